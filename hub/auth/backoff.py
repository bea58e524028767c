"""Sign-in backoff: how many wrong passwords a key (a username, a client address) may have. Pure.

Every attempt is charged before its password is checked, so a burst of parallel attempts cannot
all slip through while the first ones are still hashing; a correct password gives the charge back.
Past ``free`` failures the key waits ``base * 2**(n-1)`` seconds (capped) after its n-th extra one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BackoffPolicy:
    free: int
    base_s: float
    max_s: float
    window_s: float

    def delay_s(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row (0 within the free allowance)."""
        extra = failures - self.free
        if extra <= 0:
            return 0.0
        return min(self.max_s, self.base_s * 2.0 ** min(extra - 1, 62))


@dataclass(frozen=True)
class Failures:
    """What is remembered of one key."""

    count: int = 0
    last_at: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Admission:
    allowed: bool
    retry_after_s: int
    """Whole seconds to wait when refused (at least 1)."""
    charged: Failures
    """The key's state with this attempt counted as a failure (unchanged when refused)."""


def admit(state: Failures, now: datetime, policy: BackoffPolicy) -> Admission:
    """May an attempt go ahead now? If so, it is charged as a failure until it proves otherwise."""
    if state.locked_until is not None and state.locked_until > now:
        wait = math.ceil((state.locked_until - now).total_seconds())
        return Admission(allowed=False, retry_after_s=max(1, wait), charged=state)
    fresh = state.last_at is None or (now - state.last_at).total_seconds() > policy.window_s
    count = 1 if fresh else state.count + 1
    delay = policy.delay_s(count)
    locked = now + timedelta(seconds=delay) if delay > 0 else None
    return Admission(allowed=True, retry_after_s=0, charged=Failures(count=count, last_at=now, locked_until=locked))


def refund(state: Failures, policy: BackoffPolicy) -> Failures:
    """A correct password: the attempt's charge is given back (and a lock it alone caused is lifted)."""
    count = max(0, state.count - 1)
    delay = policy.delay_s(count)
    locked = state.last_at + timedelta(seconds=delay) if delay > 0 and state.last_at is not None else None
    return Failures(count=count, last_at=state.last_at, locked_until=locked)
