"""A business date's rider routes: deliveries split by sweep around the depot, each route ordered by
the delivery planner (PyVRP) in legs of ``LEG_SIZE`` stops, so a 50,000-stop day plans in seconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hub.delivery.api import GreatCircleMatrix, RouteBudget, RouteProblem, RouteStop, RouteVehicle, plan_routes

Place = tuple[float, float]
LEG_SIZE = 100
"""Stops per PyVRP run: 500 stops take 0.9 s to set up, 5 x 100 take 0.2 s."""


@dataclass(frozen=True)
class RouteStopIn:
    stop_id: str
    place: Place


@dataclass(frozen=True)
class DayRoute:
    route_id: str
    stop_ids: tuple[str, ...]
    """In visiting order."""
    distance_m: int


def route_ids(count: int) -> list[str]:
    return [f"route-{n}" for n in range(1, count + 1)]


def sweep(depot: Place, stops: Sequence[RouteStopIn], count: int) -> list[list[RouteStopIn]]:
    """Stops sorted by bearing from the depot, cut into ``count`` groups of (nearly) equal size."""
    ordered = sorted(stops, key=lambda s: (math.atan2(s.place[0] - depot[0], s.place[1] - depot[1]), s.stop_id))
    size, rest = divmod(len(ordered), count)
    groups: list[list[RouteStopIn]] = []
    at = 0
    for n in range(count):
        take = size + (1 if n < rest else 0)
        groups.append(ordered[at : at + take])
        at += take
    return groups


def plan_day(
    depot: Place,
    stops: Sequence[RouteStopIn],
    count: int,
    *,
    seconds_per_leg: float = 0.01,
    leg_size: int = LEG_SIZE,
) -> list[DayRoute]:
    """``count`` routes (some may be empty) covering every stop once."""
    if count < 1:
        raise ValueError("at least one route")
    return [
        _route(route_id, depot, group, seconds_per_leg, leg_size)
        for route_id, group in zip(route_ids(count), sweep(depot, stops, count), strict=True)
    ]


def _route(route_id: str, depot: Place, group: list[RouteStopIn], seconds: float, leg_size: int) -> DayRoute:
    """Near stops first: legs of at most ``leg_size`` stops by distance band, each ordered by PyVRP
    from where the previous leg ended towards the next leg (PyVRP's set-up grows faster than linearly)."""
    by_distance = sorted(group, key=lambda s: (math.dist(s.place, depot), s.stop_id))
    legs = [by_distance[i : i + leg_size] for i in range(0, len(by_distance), leg_size)]
    order: list[str] = []
    distance = 0
    here = depot
    for n, leg in enumerate(legs):
        towards = _centre(legs[n + 1]) if n + 1 < len(legs) else depot
        ids, leg_distance = _leg(route_id, here, towards, leg, seconds)
        order += ids
        distance += leg_distance
        here = next(s.place for s in leg if s.stop_id == ids[-1])
    return DayRoute(route_id, tuple(order), distance)


def _leg(route_id: str, start: Place, end: Place, leg: list[RouteStopIn], seconds: float) -> tuple[list[str], int]:
    if len(leg) < 2:
        return [s.stop_id for s in leg], 0
    problem = RouteProblem(
        vehicles=(RouteVehicle(route_id, start, end, capacity=len(leg)),),
        stops=tuple(RouteStop(s.stop_id, s.place) for s in leg),
        horizon_s=7 * 24 * 3600,
    )
    result = plan_routes(problem, GreatCircleMatrix(), RouteBudget(seconds=seconds))
    order = [v.stop_id for r in result.routes for v in r.visits]
    planned = set(order)
    order += [s.stop_id for s in leg if s.stop_id not in planned]  # never drop a stop
    return order, result.distance


def _centre(leg: list[RouteStopIn]) -> Place:
    return (sum(s.place[0] for s in leg) / len(leg), sum(s.place[1] for s in leg) / len(leg))
