"""The route planner: a ``Problem`` and travel matrices in, a ``Plan`` out, solved by PyVRP 0.14.

PyVRP wants integers: the matrices are already whole seconds and metres rounded up, windows are
whole seconds from the epoch. Locations come first (depots, then one per stop); clients and depots
refer to them. A stop pinned to a vehicle is reachable only in that vehicle's routing profile:
every other profile sees it at ``MAX_VALUE`` (PyVRP's "no edge").

Live planning makes stops optional with a large prize: a stop that cannot be served inside its
window is left out in a first pass, then planned again with its window opened to the horizon
(it will be late, and the caller records that) in a second pass warm-started from the first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from pyvrp import Client, Depot, Location, PenaltyParams, ProblemData, Route, Solution, SolveParams, VehicleType, solve
from pyvrp.constants import MAX_VALUE
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement, StoppingCriterion

from hub.delivery.planning.matrix import IntMatrix, TravelMatrices, TravelMatrixProvider
from hub.delivery.planning.problem import Place, Plan, PlannedRoute, PlannedVisit, Problem, Stop, Vehicle

logger = logging.getLogger(__name__)

MISSED_STOP_PRIZE = 10_000_000
"""Metres: far more than any detour a city plan could save by leaving a stop out."""
OPTIONAL_MAX_PENALTY = 1e9
"""With optional stops the search must find it cheaper to leave a stop out than to break a window
or a capacity: penalties may grow past the prize (PyVRP's default cap of 1e5 is below it)."""
BLOCKED_DISTANCE = 10**9
"""A pinned stop seen from another vehicle's profile. Not PyVRP's MAX_VALUE: large penalties times
MAX_VALUE-sized time warp would overflow int64."""


@dataclass(frozen=True)
class Budget:
    seconds: float = 2.0
    max_iterations: int | None = None
    no_improvement: int | None = None
    seed: int = 0

    def criterion(self) -> StoppingCriterion:
        criteria: list[StoppingCriterion] = [MaxRuntime(self.seconds)]
        if self.max_iterations is not None:
            criteria.append(MaxIterations(self.max_iterations))
        if self.no_improvement is not None:
            criteria.append(NoImprovement(self.no_improvement))
        return MultipleCriteria(criteria)


@dataclass(frozen=True)
class _Model:
    data: ProblemData
    stops: tuple[Stop, ...]
    type_vehicles: tuple[Vehicle, ...]
    """Vehicle behind each PyVRP vehicle type."""
    pinned_out: tuple[str, ...]
    """Stops pinned to a vehicle that is not in the problem."""


def plan(
    problem: Problem,
    provider: TravelMatrixProvider,
    budget: Budget = Budget(),
    *,
    warm_start: Mapping[str, Sequence[str]] | None = None,
    matrices: TravelMatrices | None = None,
) -> Plan:
    """Solve; with ``problem.optional_stops`` a second pass plans what the first could not keep on time."""
    started = time.monotonic()
    places = _places(problem)
    mats = matrices if matrices is not None else provider.matrices(places)
    if not problem.optional_stops:
        return _solve(problem, mats, budget, warm_start, started)
    opened = tuple(_open_impossible_window(s, problem.horizon_s) for s in problem.stops)
    relaxed_early = {s.stop_id for s, o in zip(problem.stops, opened, strict=True) if s is not o}
    first = _solve(replace(problem, stops=opened), mats, budget, warm_start, started)
    retry = {sid for sid in first.unplanned if _stop(problem, sid).window is not None}
    if not retry:
        return replace(first, relaxed=_late(first, problem, relaxed_early))
    second_problem = replace(
        problem,
        stops=tuple(
            replace(s, window=(min(s.window[0], problem.horizon_s), problem.horizon_s))
            if s.stop_id in retry and s.window is not None
            else s
            for s in opened
        ),
    )
    second_budget = replace(budget, seconds=max(0.2, budget.seconds / 2))
    second = _solve(second_problem, mats, second_budget, first.sequences(), started)
    return replace(
        second, iterations=first.iterations + second.iterations, relaxed=_late(second, problem, relaxed_early)
    )


def _late(result: Plan, problem: Problem, relaxed_early: set[str]) -> tuple[str, ...]:
    """Planned stops served after their original window closed."""
    by_id = {s.stop_id: s for s in problem.stops}
    late = []
    for route in result.routes:
        for visit in route.visits:
            window = by_id[visit.stop_id].window
            if visit.stop_id in relaxed_early or (window is not None and visit.arrival_s > window[1]):
                late.append(visit.stop_id)
    return tuple(sorted(late))


def _open_impossible_window(stop: Stop, horizon_s: int) -> Stop:
    if stop.window is None:
        return stop
    early, late = stop.window
    if late < max(early, 0) or early > horizon_s:
        return replace(stop, window=(min(max(early, 0), horizon_s), horizon_s))
    return stop


def _stop(problem: Problem, stop_id: str) -> Stop:
    return next(s for s in problem.stops if s.stop_id == stop_id)


def _places(problem: Problem) -> list[Place]:
    return [*_depot_places(problem.vehicles), *(s.place for s in problem.stops)]


def _depot_places(vehicles: Sequence[Vehicle]) -> list[Place]:
    seen: dict[Place, None] = {}
    for v in vehicles:
        seen.setdefault(v.start)
        seen.setdefault(v.end)
    return list(seen)


def build_model(problem: Problem, mats: TravelMatrices) -> _Model:
    depot_places = _depot_places(problem.vehicles)
    depot_of = {p: i for i, p in enumerate(depot_places)}
    n_depots = len(depot_places)
    vehicle_ids = {v.vehicle_id for v in problem.vehicles if v.count == 1}
    stops = tuple(s for s in problem.stops if s.vehicle_id is None or s.vehicle_id in vehicle_ids)
    pinned_out = tuple(s.stop_id for s in problem.stops if s.vehicle_id is not None and s.vehicle_id not in vehicle_ids)
    kept_ids = {s.stop_id for s in stops}
    keep = list(range(n_depots)) + [n_depots + i for i, s in enumerate(problem.stops) if s.stop_id in kept_ids]
    distance = mats.distance[np.ix_(keep, keep)]
    duration = mats.duration[np.ix_(keep, keep)]
    if distance.max(initial=0) >= MAX_VALUE or duration.max(initial=0) >= MAX_VALUE:
        raise ValueError("travel matrix values exceed PyVRP's MAX_VALUE: use a coarser unit")

    locations = [Location(x=float(p[0]), y=float(p[1])) for p in depot_places]
    locations += [Location(x=float(s.place[0]), y=float(s.place[1]), name=s.stop_id) for s in stops]
    depots = [Depot(i, tw_early=0, tw_late=problem.horizon_s) for i in range(n_depots)]
    clients = [
        Client(
            n_depots + i,
            delivery=[s.demand],
            service_duration=s.service_s,
            tw_early=max(0, s.window[0]) if s.window else 0,
            tw_late=min(problem.horizon_s, s.window[1]) if s.window else problem.horizon_s,
            required=not problem.optional_stops,
            prize=MISSED_STOP_PRIZE if problem.optional_stops else 0,
            name=s.stop_id,
        )
        for i, s in enumerate(stops)
    ]

    pinned_vehicles = sorted({s.vehicle_id for s in stops if s.vehicle_id is not None})
    profile_of = {vid: k + 1 for k, vid in enumerate(pinned_vehicles)}
    distances, durations = [distance], [duration]
    if pinned_vehicles:
        base_d, base_t = distance, duration
        distances, durations = [], []
        for owner in [None, *pinned_vehicles]:
            blocked = [n_depots + i for i, s in enumerate(stops) if s.vehicle_id is not None and s.vehicle_id != owner]
            distances.append(_block(base_d, blocked, BLOCKED_DISTANCE))
            durations.append(_block(base_t, blocked, max(10 * problem.horizon_s, 10**7)))

    types = [
        VehicleType(
            num_available=v.count,
            capacity=[v.capacity],
            start_depot=depot_of[v.start],
            end_depot=depot_of[v.end],
            fixed_cost=v.fixed_cost,
            tw_early=min(v.earliest_start_s, problem.horizon_s),
            tw_late=problem.horizon_s,
            shift_duration=v.max_duration_s if v.max_duration_s is not None else problem.horizon_s,
            reload_depots=[depot_of[v.end]] if v.max_trips > 1 else [],
            max_reloads=max(v.max_trips - 1, 0),
            profile=profile_of.get(v.vehicle_id, 0),
            name=v.vehicle_id,
        )
        for v in problem.vehicles
    ]
    data = ProblemData(locations, clients, depots, types, distances, durations)  # type: ignore[arg-type]
    return _Model(data=data, stops=stops, type_vehicles=tuple(problem.vehicles), pinned_out=pinned_out)


def _block(matrix: IntMatrix, indices: list[int], value: int) -> IntMatrix:
    if not indices:
        return matrix
    result = matrix.copy()
    result[indices, :] = value
    result[:, indices] = value
    result[indices, indices] = 0
    return result


def initial_solution(model: _Model, warm_start: Mapping[str, Sequence[str]]) -> Solution | None:
    """The previous plan's routes on the new data: stops that are gone are dropped, new ones are left
    out (they are optional, so the search inserts them)."""
    client_of = {s.stop_id: i for i, s in enumerate(model.stops)}
    routes: list[Route] = []
    used: set[int] = set()
    for vt, vehicle in enumerate(model.type_vehicles):
        if vehicle.count != 1:
            continue
        visits = []
        for stop_id in warm_start.get(vehicle.vehicle_id, ()):
            idx = client_of.get(stop_id)
            pin = model.stops[idx].vehicle_id if idx is not None else None
            if idx is not None and idx not in used and pin in (None, vehicle.vehicle_id):
                visits.append(idx)
                used.add(idx)
        if visits:
            routes.append(Route(model.data, visits, vt))
    if not routes:
        return None
    try:
        return Solution(model.data, routes)
    except (ValueError, IndexError, RuntimeError) as exc:
        logger.warning("warm start rejected by the solver: %s; starting cold", exc)
        return None


def _solve(
    problem: Problem,
    mats: TravelMatrices,
    budget: Budget,
    warm_start: Mapping[str, Sequence[str]] | None,
    started: float,
) -> Plan:
    if not problem.stops or not problem.vehicles:
        return Plan(
            routes=(),
            unplanned=tuple(s.stop_id for s in problem.stops),
            feasible=not problem.stops or problem.optional_stops,
            distance=0,
            runtime_s=time.monotonic() - started,
        )
    model = build_model(problem, mats)
    if not model.stops:
        return Plan(routes=(), unplanned=model.pinned_out, feasible=problem.optional_stops, distance=0)
    init = initial_solution(model, warm_start) if warm_start and problem.optional_stops else None
    params = (
        SolveParams(penalty=PenaltyParams(max_penalty=OPTIONAL_MAX_PENALTY))
        if problem.optional_stops
        else SolveParams()
    )
    result = solve(
        model.data,
        budget.criterion(),
        seed=budget.seed,
        collect_stats=False,
        display=False,
        params=params,
        initial_solution=init,
    )
    best = result.best
    routes = []
    counters: dict[int, int] = {}
    planned: set[str] = set()
    for route in best.routes():
        vt = route.vehicle_type()
        vehicle = model.type_vehicles[vt]
        k = counters.get(vt, 0)
        counters[vt] = k + 1
        visits = []
        for activity in route.schedule():
            if activity.is_client():
                stop = model.stops[activity.idx]
                planned.add(stop.stop_id)
                visits.append(PlannedVisit(stop.stop_id, activity.start_time, activity.end_time, activity.trip))
        routes.append(
            PlannedRoute(
                vehicle_id=vehicle.vehicle_id if vehicle.count == 1 else f"{vehicle.vehicle_id}#{k + 1}",
                visits=tuple(visits),
                start_s=route.start_time(),
                end_s=route.end_time(),
                distance=route.distance(),
                trips=route.num_trips(),
            )
        )
    unplanned = tuple(s.stop_id for s in model.stops if s.stop_id not in planned) + model.pinned_out
    return Plan(
        routes=tuple(routes),
        unplanned=unplanned,
        feasible=best.is_feasible(),
        distance=best.distance(),
        iterations=result.num_iterations,
        runtime_s=time.monotonic() - started,
    )
