"""An independent feasibility checker for the planner's routes, written for the tests.

It shares no code with the planner: it recomputes every leg from raw coordinates (exact Euclidean
for benchmark instances, unrounded haversine x detour / speed for city plans) and replays each
route: capacity per trip, windows on the start of service, route duration, horizon, pins, and
every stop served at most (or exactly) once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Leg = Callable[[Point, Point], float]


def euclid(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def road_seconds(detour: float, speed_mps: float) -> Leg:
    def leg(a: Point, b: Point) -> float:
        lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371008.8 * math.asin(math.sqrt(min(1.0, h))) * detour / speed_mps

    return leg


@dataclass(frozen=True)
class CheckStop:
    place: Point
    demand: int = 1
    service: float = 0.0
    early: float = 0.0
    late: float = math.inf
    vehicle: str | None = None


@dataclass(frozen=True)
class CheckVehicle:
    start: Point
    end: Point
    capacity: int
    earliest_start: float = 0.0
    max_duration: float = math.inf
    max_trips: int = 1


@dataclass(frozen=True)
class Visit:
    stop_id: str
    trip: int = 0
    reported_start: float | None = None
    """The planner's ETA (start of service); the exact replay must not be later than it."""


def check_routes(
    stops: Mapping[str, CheckStop],
    vehicles: Mapping[str, CheckVehicle],
    routes: Mapping[str, Sequence[Visit]],
    *,
    travel: Leg,
    horizon: float = math.inf,
    route_starts: Mapping[str, float] | None = None,
    every_stop: bool = True,
    tolerance: float = 1e-6,
) -> list[str]:
    """Violations found (empty when every constraint holds)."""
    problems: list[str] = []
    served = [v.stop_id for visits in routes.values() for v in visits]
    if len(served) != len(set(served)):
        problems.append("a stop is served twice")
    unknown = set(served) - set(stops)
    if unknown:
        problems.append(f"unknown stops {sorted(unknown)}")
    if every_stop and set(served) != set(stops):
        problems.append(f"stops never served: {sorted(set(stops) - set(served))}")
    for vehicle_id, visits in routes.items():
        vehicle = vehicles.get(vehicle_id.split("#")[0])
        if vehicle is None:
            problems.append(f"unknown vehicle {vehicle_id}")
            continue
        start = (route_starts or {}).get(vehicle_id, vehicle.earliest_start)
        if start < vehicle.earliest_start - tolerance:
            problems.append(f"{vehicle_id} leaves at {start} before {vehicle.earliest_start}")
        trips = sorted({v.trip for v in visits})
        if len(trips) > vehicle.max_trips:
            problems.append(f"{vehicle_id} makes {len(trips)} trips, allowed {vehicle.max_trips}")
        t, here, trip, load = start, vehicle.start, None, 0
        for visit in visits:
            stop = stops.get(visit.stop_id)
            if stop is None:
                continue
            if stop.vehicle is not None and stop.vehicle != vehicle_id:
                problems.append(f"{visit.stop_id} is pinned to {stop.vehicle}, served by {vehicle_id}")
            if trip is not None and visit.trip != trip:
                t += travel(here, vehicle.end)  # back to reload
                here, load = vehicle.end, 0
            trip = visit.trip
            load += stop.demand
            if load > vehicle.capacity:
                problems.append(f"{vehicle_id} trip {trip}: load {load} > capacity {vehicle.capacity}")
            t += travel(here, stop.place)
            t = max(t, stop.early)
            if t > stop.late + tolerance:
                problems.append(f"{visit.stop_id} served at {t:.3f} after its window closes at {stop.late}")
            if visit.reported_start is not None and t > visit.reported_start + tolerance:
                problems.append(
                    f"{visit.stop_id}: exact start {t:.3f} later than the planned ETA {visit.reported_start}"
                )
            t += stop.service
            here = stop.place
        t += travel(here, vehicle.end)
        if visits and t - start > vehicle.max_duration + tolerance:
            problems.append(f"{vehicle_id} route lasts {t - start:.1f} > {vehicle.max_duration}")
        if visits and t > horizon + tolerance:
            problems.append(f"{vehicle_id} back at {t:.1f} after the horizon {horizon}")
    return problems


def read_solomon(text: str) -> tuple[int, int, dict[int, tuple[float, ...]]]:
    """(vehicles, capacity, id -> (x, y, demand, ready, due, service)), parsed independently."""
    lines = text.splitlines()
    idx = next(i for i, line in enumerate(lines) if line.strip().startswith("NUMBER"))
    vehicles, capacity = (int(v) for v in lines[idx + 1].split())
    rows: dict[int, tuple[float, ...]] = {}
    for line in lines[idx + 2 :]:
        parts = line.split()
        if len(parts) == 7 and all(p.replace(".", "", 1).isdigit() for p in parts):
            rows[int(parts[0])] = tuple(float(p) for p in parts[1:])
    return vehicles, capacity, rows


def check_solomon(text: str, routes: Sequence[Sequence[int]]) -> list[str]:
    vehicles, capacity, rows = read_solomon(text)
    depot = rows[0]
    stops = {
        str(i): CheckStop(place=(r[0], r[1]), demand=int(r[2]), early=r[3], late=r[4], service=r[5])
        for i, r in rows.items()
        if i != 0
    }
    fleet = {"v": CheckVehicle(start=(depot[0], depot[1]), end=(depot[0], depot[1]), capacity=capacity)}
    problems = check_routes(
        stops,
        fleet,
        {f"v#{n}": [Visit(str(c)) for c in route] for n, route in enumerate(routes)},
        travel=euclid,
        horizon=depot[4],
    )
    if len(routes) > vehicles:
        problems.append(f"{len(routes)} routes for {vehicles} vehicles")
    return problems
