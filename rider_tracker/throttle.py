"""Which accepted fixes are worth sending: a publish throttle that speaks faster when moving. Pure.

Time is the fixes' own GPS time, so a replayed log throttles exactly as it did live.
Never more often than ``min_interval_s``. While moving (speed at or above ``moving_speed_mps``):
every ``moving_interval_s``, or after ``min_distance_m``, or when the heading turns by
``heading_change_deg``. While standing: every ``stationary_interval_s`` as a heartbeat, or when the
bike has really moved (farther than ``min_distance_m`` and than the fix's own stated error, so a
parked receiver's jitter sends nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rider_tracker.geo import bearing_deg, distance_m, heading_change_deg


class PublishReason(StrEnum):
    FIRST = "first"
    MOVING_INTERVAL = "moving_interval"
    DISTANCE = "distance"
    HEADING = "heading"
    HEARTBEAT = "heartbeat"


@dataclass(frozen=True, slots=True)
class ThrottleRules:
    min_interval_s: float = 1.0
    moving_interval_s: float = 5.0
    stationary_interval_s: float = 60.0
    min_distance_m: float = 25.0
    heading_change_deg: float = 30.0
    moving_speed_mps: float = 1.5


@dataclass(frozen=True, slots=True)
class Sample:
    """What the throttle needs to know about a fix."""

    fix_at: datetime
    lat: float
    lon: float
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None


class PublishThrottle:
    def __init__(self, rules: ThrottleRules, last_published: Sample | None = None) -> None:
        self.rules = rules
        self.last = last_published

    def consider(self, sample: Sample) -> PublishReason | None:
        """Why ``sample`` should be published now, or None; remembers it when it should."""
        reason = self._reason(sample)
        if reason is not None:
            self.last = sample
        return reason

    def _reason(self, sample: Sample) -> PublishReason | None:
        rules = self.rules
        last = self.last
        if last is None:
            return PublishReason.FIRST
        elapsed = (sample.fix_at - last.fix_at).total_seconds()
        if elapsed < 0:  # the validator re-anchored on the receiver's time: start over from here
            return PublishReason.FIRST
        if elapsed < rules.min_interval_s:
            return None
        moved = distance_m(last.lat, last.lon, sample.lat, sample.lon)
        speed = sample.speed_mps if sample.speed_mps is not None else moved / elapsed
        if speed >= rules.moving_speed_mps:
            if elapsed >= rules.moving_interval_s:
                return PublishReason.MOVING_INTERVAL
            if moved >= rules.min_distance_m:
                return PublishReason.DISTANCE
            heading = (
                sample.heading_deg
                if sample.heading_deg is not None
                else bearing_deg(last.lat, last.lon, sample.lat, sample.lon)
            )
            if (
                last.heading_deg is not None
                and heading_change_deg(heading, last.heading_deg) >= rules.heading_change_deg
            ):
                return PublishReason.HEADING
            return None
        if moved >= max(rules.min_distance_m, sample.accuracy_m or 0.0):
            return PublishReason.DISTANCE
        if elapsed >= rules.stationary_interval_s:
            return PublishReason.HEARTBEAT
        return None
