"""A delivery bike driven along a route at a realistic speed: one simulated receiver reading per
tick, in WGS-84, with optional receiver noise and signal dropouts (tunnels, high-rise canyons).

Speed profile: accelerate at ``accel_mps2`` up to ``cruise_mps``; slow down in time for corners
(the sharper, the slower) and for stops; dwell at stops. Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rider_tracker.geo import bearing_deg, destination, distance_m, heading_change_deg

SHANGHAI_LOOP: tuple[tuple[float, float], ...] = (
    (31.23040, 121.47370),  # People's Square
    (31.23400, 121.47560),
    (31.23530, 121.48180),
    (31.23850, 121.48450),
    (31.24000, 121.49030),  # towards the Bund
    (31.23610, 121.49100),
    (31.23250, 121.48760),
    (31.22980, 121.48100),
    (31.23040, 121.47370),
)
"""A WGS-84 loop of about 4 km through central Shanghai (as a GPS would report it, not GCJ-02)."""


@dataclass(frozen=True, slots=True)
class SimFix:
    at: datetime
    lat: float
    lon: float
    speed_mps: float
    course_deg: float
    valid: bool = True
    hdop: float = 0.9
    satellites: int = 9
    altitude_m: float = 12.0


@dataclass(frozen=True)
class BikeRoute:
    waypoints: Sequence[tuple[float, float]] = SHANGHAI_LOOP
    cruise_mps: float = 5.0
    """18 km/h: an e-bike in city traffic."""
    accel_mps2: float = 1.0
    decel_mps2: float = 1.5
    corner_mps: float = 2.5
    """Speed through a right-angle turn; straighter turns allow more."""
    stops: dict[int, float] = field(default_factory=dict)
    """Waypoint index -> seconds standing there (a delivery, a red light)."""

    def length_m(self) -> float:
        return sum(distance_m(*a, *b) for a, b in zip(self.waypoints, self.waypoints[1:], strict=False))


def drive(
    route: BikeRoute,
    *,
    start: datetime,
    rate_hz: float = 1.0,
    noise_m: float = 0.0,
    seed: int = 0,
    dropouts: Sequence[tuple[float, float]] = (),
    limit_s: float | None = None,
) -> Iterator[SimFix]:
    """Readings every 1/rate_hz seconds from ``start`` until the end of the route (or ``limit_s``)."""
    if len(route.waypoints) < 2:
        raise ValueError("a route needs at least two waypoints")
    rng = random.Random(seed)
    dt = 1.0 / rate_hz
    legs = [
        (a, b, distance_m(*a, *b), bearing_deg(*a, *b))
        for a, b in zip(route.waypoints, route.waypoints[1:], strict=False)
    ]
    leg, along, speed, t, dwell = 0, 0.0, 0.0, 0.0, 0.0
    while True:
        a, _b, length, course = legs[leg]
        lat, lon = destination(*a, course, along)
        valid = not any(lo <= t < hi for lo, hi in dropouts)
        if noise_m > 0:
            lat, lon = destination(lat, lon, rng.uniform(0, 360), abs(rng.gauss(0, noise_m)))
        yield SimFix(
            at=start + timedelta(seconds=t),
            lat=lat,
            lon=lon,
            speed_mps=speed,
            course_deg=course,
            valid=valid,
            hdop=round(0.8 + rng.random() * 0.6, 1) if valid else 99.9,
            satellites=rng.randint(7, 12) if valid else 0,
        )
        t += dt
        if limit_s is not None and t > limit_s:
            return
        if dwell > 0:
            dwell -= dt
            continue
        left = length - along
        end_speed = _end_speed(route, legs, leg)
        speed = min(speed + route.accel_mps2 * dt, route.cruise_mps, _brake_cap(route, end_speed, left, dt))
        if end_speed == 0.0:
            speed = min(max(speed, 0.5), left / dt)  # creep up to the stop, never past it
        along += speed * dt
        if along < length - 1e-6:
            continue
        along -= length
        leg += 1
        if leg >= len(legs):
            last = route.waypoints[-1]
            yield SimFix(start + timedelta(seconds=t), last[0], last[1], 0.0, course, True)
            return
        if end_speed == 0.0:  # a stop: stand there
            along, speed, dwell = 0.0, 0.0, route.stops.get(leg, 0.0)


def _end_speed(
    route: BikeRoute, legs: list[tuple[tuple[float, float], tuple[float, float], float, float]], leg: int
) -> float:
    """How fast the bike may pass the end of ``leg``: 0 at a stop or the end, slower the sharper the turn."""
    if leg + 1 >= len(legs) or (leg + 1) in route.stops:
        return 0.0
    turn = heading_change_deg(legs[leg][3], legs[leg + 1][3])
    return route.cruise_mps - (route.cruise_mps - route.corner_mps) * min(turn, 90.0) / 90.0


def _brake_cap(route: BikeRoute, end_speed: float, left_m: float, dt: float) -> float:
    """The fastest speed for this step after which the bike can still brake to ``end_speed`` in time:
    v^2 <= end^2 + 2 d (left - v dt)."""
    d = route.decel_mps2
    return -d * dt + math.sqrt((d * dt) ** 2 + end_speed**2 + 2 * d * max(left_m, 0.0))
