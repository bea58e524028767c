"""Is a fix good enough to show the hub? No fix, (0, 0), stale, not newer, impossible jumps. Pure.

Staleness is judged two ways. With a trusted system clock (NTP-synced phone or unit), a fix whose
GPS time lags the wall clock by more than ``max_age_s`` is stale, and one dated more than
``max_future_s`` ahead is a receiver's date bug. Without one (a Raspberry Pi with
no real-time clock, or a recording replayed through gpsd), the lag is measured on the monotonic
clock against the freshest lag seen in the last ``baseline_window_s``: a source that starts handing
over old, buffered fixes shows a growing lag and is refused, whatever the wall clock says.

A jump is impossible when the speed implied since the last accepted fix exceeds ``max_speed_mps``
(after forgiving both fixes' stated accuracy, at most ``max_accuracy_slack_m``), or is far above the
speed the receiver itself measured (Doppler), which multipath does not disturb. When the receiver
really was somewhere else (the anchor was the outlier, or the bike was carried in a van), several
fixes in a row agree with each other but not with the anchor: after ``reanchor_after`` of them the
validator accepts the new place instead of refusing forever.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rider_tracker.fix import Fix
from rider_tracker.geo import distance_m


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    NO_FIX = "no_fix"
    NULL_ISLAND = "null_island"
    OUT_OF_RANGE = "out_of_range"
    INACCURATE = "inaccurate"
    STALE = "stale"
    FUTURE = "future"
    NOT_NEWER = "not_newer"
    IMPOSSIBLE_JUMP = "impossible_jump"


@dataclass(frozen=True, slots=True)
class ValidityRules:
    max_age_s: float = 15.0
    clock_trusted: bool = True
    max_future_s: float = 300.0
    """With a trusted clock, a fix dated further ahead is a receiver's date bug (GPS week rollover)."""
    baseline_window_s: float = 120.0
    max_speed_mps: float = 30.0
    """108 km/h: no delivery bike gets there; a phone's multipath jump of 100 m in 1 s does."""
    doppler_margin_mps: float | None = 15.0
    """When the receiver reports its (Doppler) speed, a jump implying more than twice that plus this
    margin is refused: positions from multipath jump, the Doppler speed does not (None: off)."""
    max_accuracy_slack_m: float = 20.0
    max_accuracy_m: float | None = 250.0
    """Refuse fixes whose stated horizontal error is worse than this (None: never)."""
    reanchor_after: int = 3


@dataclass(frozen=True, slots=True)
class Anchor:
    """The last accepted place and time: what the next fix is compared with."""

    fix_at: datetime
    lat: float
    lon: float
    accuracy_m: float | None = None


class FixValidator:
    def __init__(self, rules: ValidityRules, anchor: Anchor | None = None) -> None:
        self.rules = rules
        self.anchor = anchor
        self._lags: deque[tuple[float, float]] = deque()
        self._candidates: list[Anchor] = []

    def judge(self, fix: Fix) -> Verdict:
        verdict = self._judge(fix)
        if verdict is Verdict.ACCEPTED:
            assert fix.fix_at is not None and fix.lat is not None and fix.lon is not None
            self.anchor = Anchor(fix.fix_at, fix.lat, fix.lon, fix.accuracy_m)
            self._candidates.clear()
        return verdict

    def _judge(self, fix: Fix) -> Verdict:
        rules = self.rules
        if not fix.has_fix or fix.fix_at is None or fix.lat is None or fix.lon is None:
            return Verdict.NO_FIX
        if not (-90.0 <= fix.lat <= 90.0 and -180.0 <= fix.lon <= 180.0):
            return Verdict.OUT_OF_RANGE
        if abs(fix.lat) < 1e-7 and abs(fix.lon) < 1e-7:
            return Verdict.NULL_ISLAND
        if rules.max_accuracy_m is not None and fix.accuracy_m is not None and fix.accuracy_m > rules.max_accuracy_m:
            return Verdict.INACCURATE
        if self.anchor is not None and fix.fix_at <= self.anchor.fix_at:
            return Verdict.NOT_NEWER
        if self.rules.clock_trusted and (fix.fix_at - fix.received_at).total_seconds() > self.rules.max_future_s:
            return Verdict.FUTURE
        if self._stale(fix):
            return Verdict.STALE
        if self.anchor is not None and not _reachable(self.anchor, fix, rules):
            return self._jump(fix)
        return Verdict.ACCEPTED

    def _stale(self, fix: Fix) -> bool:
        assert fix.fix_at is not None
        if self.rules.clock_trusted:
            return (fix.received_at - fix.fix_at).total_seconds() > self.rules.max_age_s
        lag = fix.received_mono - fix.fix_at.timestamp()
        lags = self._lags  # (read at, lag), lags increasing: a sliding-window minimum in O(1)
        while lags and lags[0][0] < fix.received_mono - self.rules.baseline_window_s:
            lags.popleft()
        while lags and lags[-1][1] >= lag:
            lags.pop()
        lags.append((fix.received_mono, lag))
        baseline = lags[0][1]
        return lag - baseline > self.rules.max_age_s

    def _jump(self, fix: Fix) -> Verdict:
        assert fix.fix_at is not None and fix.lat is not None and fix.lon is not None
        here = Anchor(fix.fix_at, fix.lat, fix.lon, fix.accuracy_m)
        if self._candidates and _reachable(self._candidates[-1], fix, self.rules):
            self._candidates.append(here)
        else:
            self._candidates = [here]
        if len(self._candidates) >= self.rules.reanchor_after:
            return Verdict.ACCEPTED
        return Verdict.IMPOSSIBLE_JUMP


def _reachable(anchor: Anchor, fix: Fix, rules: ValidityRules) -> bool:
    assert fix.fix_at is not None and fix.lat is not None and fix.lon is not None
    seconds = (fix.fix_at - anchor.fix_at).total_seconds()
    if seconds <= 0:
        return False
    slack = min((anchor.accuracy_m or 0.0) + (fix.accuracy_m or 0.0), rules.max_accuracy_slack_m)
    speed = max(0.0, distance_m(anchor.lat, anchor.lon, fix.lat, fix.lon) - slack) / seconds
    if speed > rules.max_speed_mps:
        return False
    if rules.doppler_margin_mps is not None and fix.speed_mps is not None:
        return speed <= 2 * fix.speed_mps + rules.doppler_margin_mps
    return True
