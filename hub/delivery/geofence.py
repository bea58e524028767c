"""Arrival at a drop-off, with hysteresis. Pure: no database, no clock.

GPS jitter around a parked bike crosses any single radius again and again (Traccar #2189, #6019).
So a rider *arrives* only after staying within the exit radius for ``dwell_s``, counted from the
first fix inside the (smaller) enter radius; only a fix beyond the exit radius resets the count.
A delivery arrives at most once: later exits and re-entries change nothing. Fixes that are older
than the last one evaluated, or too inaccurate, are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class GeofenceRule:
    enter_m: float = 40.0
    exit_m: float = 100.0
    dwell_s: float = 20.0
    max_accuracy_m: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.enter_m < self.exit_m:
            raise ValueError("the enter radius must be positive and smaller than the exit radius")
        if self.dwell_s < 0:
            raise ValueError("dwell time cannot be negative")


@dataclass(frozen=True)
class GeofenceFix:
    at: datetime
    distance_m: float
    """From the drop-off, WGS-84 great-circle."""
    accuracy_m: float | None = None


@dataclass(frozen=True)
class GeofenceState:
    candidate_since: datetime | None = None
    last_fix_at: datetime | None = None
    arrived_at: datetime | None = None


def advance(
    state: GeofenceState, fixes: Iterable[GeofenceFix], rule: GeofenceRule
) -> tuple[GeofenceState, datetime | None]:
    """The new state and, if the rider arrived during these fixes, when (at most once ever)."""
    arrived_now: datetime | None = None
    for fix in sorted(fixes, key=lambda f: f.at):
        if state.last_fix_at is not None and fix.at <= state.last_fix_at:
            continue
        if fix.accuracy_m is not None and fix.accuracy_m > rule.max_accuracy_m:
            continue
        state = replace(state, last_fix_at=fix.at)
        if state.arrived_at is not None:
            continue
        if fix.distance_m > rule.exit_m:
            state = replace(state, candidate_since=None)
            continue
        since = state.candidate_since
        if since is None:
            if fix.distance_m > rule.enter_m:
                continue
            since = fix.at
            state = replace(state, candidate_since=since)
        if (fix.at - since).total_seconds() >= rule.dwell_s:
            state = replace(state, arrived_at=fix.at)
            arrived_now = fix.at
    return state, arrived_now
