"""Is a fix good enough to show the hub? No fix, (0, 0), stale, not newer, impossible jumps. Pure.

Staleness is judged two ways. With a trusted system clock (NTP-synced phone or unit), a fix whose
GPS time lags the wall clock by more than ``max_age_s`` is stale, and one dated more than
``max_future_s`` ahead is a receiver's date bug. Without one (a Raspberry Pi with
no real-time clock, or a recording replayed through gpsd), the lag is measured on the monotonic
clock against the freshest lag seen in the last ``baseline_window_s``: a source that starts handing
over old, buffered fixes shows a growing lag and is refused, whatever the wall clock says.

Fixes dated ahead are bounded either way: against the wall clock when it is trusted, and otherwise
against the monotonic clock: a fix whose time ran more than ``max_lead_s`` further ahead than the
time that passed since the last accepted fix (or than the freshest recent lag) is ``FUTURE``: the
hours-ahead times gpsd invents after a GPS week rollover never become the anchor. And should a
wrong time have become the anchor anyway (the first fix after a start, or one written to the spool
before a restart), the fixes that follow are all older than it: after ``reanchor_after`` of them in
a row, each newer than the one before and reachable from it, more than ``max_future_s`` behind the
anchor, the validator accepts the receiver's time again instead of refusing every later fix as
"not newer" for good.

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
    """With a trusted clock, a fix dated further ahead is a receiver's date bug (GPS week rollover).
    Either way, fixes this far behind the anchor, several in a row, mean the anchor's time was wrong."""
    max_lead_s: float = 3600.0
    """Without a trusted clock: a fix whose time leaps further ahead of the monotonic clock than this
    is a receiver's date bug. Loose, so a recording replayed quickly through its gaps is not refused."""
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
        self.regressed_from: Anchor | None = None
        """Set by the ``judge`` that gave up an anchor dated ahead of the receiver's time (else None)."""
        self._anchor_mono: float | None = None
        """``received_mono`` of the anchor; None while the anchor is one from before a restart."""
        self._lags: deque[tuple[float, float]] = deque()
        self._candidates: list[Anchor] = []
        self._behind: list[Fix] = []

    def judge(self, fix: Fix) -> Verdict:
        self.regressed_from = None
        verdict = self._judge(fix)
        if verdict is not Verdict.NOT_NEWER:
            self._behind.clear()
        if verdict is Verdict.ACCEPTED:
            assert fix.fix_at is not None and fix.lat is not None and fix.lon is not None
            self.anchor = Anchor(fix.fix_at, fix.lat, fix.lon, fix.accuracy_m)
            self._anchor_mono = fix.received_mono
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
            return self._not_newer(fix)
        if self._future(fix):
            return Verdict.FUTURE
        if self._stale(fix):
            return Verdict.STALE
        if self.anchor is not None and not _reachable(self.anchor, fix, rules):
            return self._jump(fix)
        return Verdict.ACCEPTED

    def _future(self, fix: Fix) -> bool:
        assert fix.fix_at is not None
        rules = self.rules
        if rules.clock_trusted:
            return (fix.fix_at - fix.received_at).total_seconds() > rules.max_future_s
        if self.anchor is not None and self._anchor_mono is not None:
            ran = (fix.fix_at - self.anchor.fix_at).total_seconds()
            return ran - (fix.received_mono - self._anchor_mono) > rules.max_lead_s
        if self._lags:  # no anchor of this run yet: compare with the freshest lag seen lately
            return self._lags[0][1] - (fix.received_mono - fix.fix_at.timestamp()) > rules.max_lead_s
        return False

    def _not_newer(self, fix: Fix) -> Verdict:
        """Older than the anchor: a repeat or a late fix, unless the anchor itself was dated ahead."""
        assert fix.fix_at is not None and self.anchor is not None
        behind = (self.anchor.fix_at - fix.fix_at).total_seconds()
        if behind <= self.rules.max_future_s:
            self._behind.clear()
            return Verdict.NOT_NEWER
        if self._behind and not _agree(self._behind[-1], fix, self.rules):
            self._behind.clear()
        self._behind.append(fix)
        if len(self._behind) < self.rules.reanchor_after:
            return Verdict.NOT_NEWER
        self.regressed_from = self.anchor
        self._behind.clear()
        self._lags.clear()  # the old baseline came from the wrong time too
        self._lags.append((fix.received_mono, fix.received_mono - fix.fix_at.timestamp()))
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


def _agree(before: Fix, fix: Fix, rules: ValidityRules) -> bool:
    """Two fixes older than the anchor that tell one story: the second newer and reachable from the first."""
    assert before.fix_at is not None and before.lat is not None and before.lon is not None
    return _reachable(Anchor(before.fix_at, before.lat, before.lon, before.accuracy_m), fix, rules)


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
