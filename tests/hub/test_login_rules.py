"""The pure rules of signing in: backoff per key, and what a password may not be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.auth.backoff import BackoffPolicy, Failures, admit, refund
from hub.auth.password_policy import password_problem

T0 = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)
POLICY = BackoffPolicy(free=3, base_s=1.0, max_s=8.0, window_s=3600.0)


def _fail(state: Failures, at: datetime) -> Failures:
    admission = admit(state, at, POLICY)
    assert admission.allowed
    return admission.charged


def test_free_failures_then_each_wait_doubles_up_to_the_cap() -> None:
    state = Failures()
    for _ in range(3):
        state = _fail(state, T0)
        assert state.locked_until is None
    waits = []
    at = T0
    for _ in range(6):
        state = _fail(state, at)
        assert state.locked_until is not None
        waits.append((state.locked_until - at).total_seconds())
        refused = admit(state, at, POLICY)
        assert not refused.allowed and refused.charged == state, "a refused attempt is not charged"
        assert refused.retry_after_s == int(waits[-1])
        at = state.locked_until
    assert waits == [1, 2, 4, 8, 8, 8]


def test_retry_after_rounds_up_and_is_never_zero() -> None:
    state = Failures(count=5, last_at=T0, locked_until=T0 + timedelta(milliseconds=100))
    assert admit(state, T0, POLICY).retry_after_s == 1
    assert admit(state, T0 + timedelta(milliseconds=100), POLICY).allowed


def test_failures_are_forgotten_after_the_window() -> None:
    state = Failures(count=9, last_at=T0, locked_until=T0 + timedelta(seconds=8))
    later = admit(state, T0 + timedelta(seconds=3601), POLICY)
    assert later.allowed and later.charged.count == 1 and later.charged.locked_until is None


def test_a_correct_password_gives_its_charge_back() -> None:
    state = _fail(_fail(_fail(Failures(), T0), T0), T0)
    charged = _fail(state, T0)  # the 4th would lock for 1 s
    assert charged.locked_until == T0 + timedelta(seconds=1)
    assert refund(charged, POLICY) == Failures(count=3, last_at=T0, locked_until=None)


@pytest.mark.parametrize(
    ("password", "username", "why"),
    [
        ("short", "ann", "at least 10"),
        ("wang.wei.2025!", "wang.wei", "username"),
        ("MyNameIsBoss!", "boss", "username"),
        ("aaaaaaaaaaaa", "ann", "repeated"),
        ("abcabcabcabc", "ann", "repeated"),
        ("1212121212", "ann", "repeated"),
        ("aabbaabbaab", "ann", "repeated"),
        ("abcdefghijkl", "ann", "consecutive"),
        ("9876543210", "ann", "consecutive"),
        ("password123", "ann", "common"),
        ("Password1234!", "ann", "common"),
        ("qwertyuiop", "ann", "common"),
        ("Dragon2024!!", "ann", "common"),
        ("1q2w3e4r5t", "ann", "common"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, username: str, why: str) -> None:
    problem = password_problem(password, username)
    assert problem is not None and why in problem, problem


@pytest.mark.parametrize(
    ("password", "username"),
    [("correct-horse-battery", "admin-1"), ("long-enough-pw", "marketer-0"), ("老王烧烤店 2025 春", "wang")],
)
def test_reasonable_passwords_pass(password: str, username: str) -> None:
    assert password_problem(password, username) is None
