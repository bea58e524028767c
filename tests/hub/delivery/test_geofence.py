"""Arrival with hysteresis: a jittery parked track arrives once and never flaps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.delivery.geofence import GeofenceFix, GeofenceRule, GeofenceState, advance

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULE = GeofenceRule(enter_m=40, exit_m=100, dwell_s=20, max_accuracy_m=60)


def fixes(distances: list[float], step_s: float = 1.0, accuracy: float | None = 8.0) -> list[GeofenceFix]:
    return [GeofenceFix(T0 + timedelta(seconds=i * step_s), d, accuracy) for i, d in enumerate(distances)]


def arrivals(track: list[GeofenceFix], chunk: int = 7) -> list[datetime]:
    """Feed the track in batches, as the bridge does, and collect every arrival."""
    state, found = GeofenceState(), []
    for i in range(0, len(track), chunk):
        state, arrived = advance(state, track[i : i + chunk], RULE)
        if arrived is not None:
            found.append(arrived)
    return found


def test_parked_with_jitter_across_the_enter_radius_arrives_exactly_once() -> None:
    rng = random.Random(7)
    approach = [400 - 12 * i for i in range(30)]  # riding in at ~12 m/s
    parked = [max(0.0, rng.gauss(38, 25)) for _ in range(600)]  # ten minutes, jumping 0..~110 m
    found = arrivals(fixes(approach + parked))
    assert len(found) == 1


def test_dwell_counts_from_the_first_fix_inside_the_enter_radius() -> None:
    found = arrivals(fixes([300, 200, 120, 35, 60, 80, 30] + [50] * 30))
    assert found == [T0 + timedelta(seconds=3 + 20)]


def test_only_a_fix_beyond_the_exit_radius_resets_the_count() -> None:
    track = fixes([30] * 10 + [150] + [30] * 15)
    assert arrivals(track) == []  # 10 s, reset, 14 s: never 20 s in a row
    assert len(arrivals(fixes([30] * 10 + [90] + [30] * 15))) == 1  # 90 m is inside the exit radius


def test_riding_past_does_not_arrive() -> None:
    assert arrivals(fixes([abs(200 - 12 * i) for i in range(40)])) == []  # 12 m/s straight past the door


def test_inaccurate_and_out_of_order_fixes_are_ignored() -> None:
    state, arrived = advance(GeofenceState(), fixes([10] * 30, accuracy=500), RULE)
    assert arrived is None and state.candidate_since is None
    state, _ = advance(GeofenceState(), fixes([10] * 5), RULE)
    late = [GeofenceFix(T0 + timedelta(seconds=2), 300, 5)]  # an old fix arriving after newer ones
    assert advance(state, late, RULE)[0] == state


def test_after_arriving_leaving_and_coming_back_is_not_a_second_arrival() -> None:
    assert len(arrivals(fixes([20] * 30 + [500] * 30 + [20] * 60))) == 1


def test_enter_radius_must_be_inside_the_exit_radius() -> None:
    with pytest.raises(ValueError, match="smaller"):
        GeofenceRule(enter_m=100, exit_m=50)


@given(st.lists(st.floats(min_value=0, max_value=300), min_size=1, max_size=300), st.integers(1, 50))
def test_never_more_than_one_arrival(distances: list[float], chunk: int) -> None:
    assert len(arrivals(fixes(distances), chunk)) <= 1


@given(st.lists(st.floats(min_value=0, max_value=99), min_size=25, max_size=200))
def test_staying_within_the_exit_radius_after_entering_always_arrives(distances: list[float]) -> None:
    track = fixes([10.0, *distances])
    assert len(arrivals(track)) == 1
