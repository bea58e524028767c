"""The route planner (PyVRP), every route checked by the tests' own feasibility checker."""

from __future__ import annotations

import random

from hub.delivery.balance import RiderLoad, trip_capacities
from hub.delivery.planning.benchmark import solve_instance
from hub.delivery.planning.instances import read_instance
from hub.delivery.planning.matrix import GreatCircleMatrix, SpeedProfile
from hub.delivery.planning.problem import Plan, Problem, Stop, Vehicle
from hub.delivery.planning.solver import Budget, build_model, initial_solution, plan
from tests.hub.delivery.feasibility import CheckStop, CheckVehicle, Visit, check_routes, check_solomon, road_seconds
from tests.services import missing
from tests.shared_data import SHARED_DATA

VRP = SHARED_DATA / "vrp"
STORE = (31.2304, 121.4737)
SPEED = 4.5
DETOUR = 1.3
MATRIX = GreatCircleMatrix(detour_factor=DETOUR, speed=SpeedProfile(default_mps=SPEED), hour=12)


def _needs_data() -> None:
    if not VRP.exists():
        missing(f"benchmark instances not found in {VRP}")


def city_stops(n: int, seed: int, *, window_s: int = 3600, horizon: int = 4 * 3600) -> tuple[Stop, ...]:
    rng = random.Random(seed)
    stops = []
    for i in range(n):
        early = rng.randrange(0, horizon - window_s - 1800, 300)
        stops.append(
            Stop(
                stop_id=f"o{i}",
                place=(STORE[0] + rng.uniform(-0.03, 0.03), STORE[1] + rng.uniform(-0.03, 0.03)),
                demand=rng.choice((1, 1, 2)),
                service_s=120,
                window=(early, early + window_s),
            )
        )
    return tuple(stops)


def check(problem: Problem, result: Plan, *, every_stop: bool = True) -> list[str]:
    stops = {
        s.stop_id: CheckStop(
            place=s.place,
            demand=s.demand,
            service=s.service_s,
            early=s.window[0] if s.window else 0,
            late=s.window[1] if s.window else problem.horizon_s,
            vehicle=s.vehicle_id,
        )
        for s in problem.stops
        if s.stop_id not in result.relaxed
    }
    vehicles = {
        v.vehicle_id: CheckVehicle(
            start=v.start,
            end=v.end,
            capacity=v.capacity,
            earliest_start=v.earliest_start_s,
            max_duration=v.max_duration_s or problem.horizon_s,
            max_trips=v.max_trips,
        )
        for v in problem.vehicles
    }
    routes = {
        r.vehicle_id: [Visit(v.stop_id, v.trip, v.arrival_s) for v in r.visits if v.stop_id not in result.relaxed]
        for r in result.routes
    }
    return check_routes(
        stops,
        vehicles,
        routes,
        travel=road_seconds(DETOUR, SPEED),
        horizon=problem.horizon_s,
        route_starts={r.vehicle_id: r.start_s for r in result.routes},
        every_stop=every_stop,
    )


def test_solomon_c101_is_solved_to_the_best_known_and_holds_under_exact_distances() -> None:
    _needs_data()
    result = solve_instance(read_instance(VRP / "C101.txt", "solomon"), "exact", seconds=3)
    assert check_solomon((VRP / "C101.txt").read_text(), result["routes"]) == []
    assert result["constraints_hold_exact"] is True
    assert result["vehicles"] == 10
    assert result["distance"] <= 828.94 * 1.01


def test_dimacs_convention_on_r101_reports_truncated_distance() -> None:
    _needs_data()
    result = solve_instance(read_instance(VRP / "R101.txt", "solomon"), "dimacs", seconds=2)
    assert sorted(c for r in result["routes"] for c in r) == list(range(1, 101))
    assert result["distance"] <= 1637.7 * 1.02  # DIMACS best known
    assert result["distance"] <= result["distance_exact"]  # truncation only shortens arcs


def test_cvrplib_instance_respects_capacity() -> None:
    _needs_data()
    result = solve_instance(read_instance(VRP / "A-n32-k5.vrp", "cvrplib"), "cvrplib", seconds=2)
    text = (VRP / "A-n32-k5.vrp").read_text()
    demand = {}
    section = ""
    for line in text.splitlines():
        if line.strip().endswith("_SECTION"):
            section = line.strip()
        elif section == "DEMAND_SECTION" and len(line.split()) == 2:
            node, amount = line.split()
            demand[int(node)] = int(amount)
    assert sorted(c for r in result["routes"] for c in r) == list(range(2, 33))
    assert all(sum(demand[c] for c in route) <= 100 for route in result["routes"])
    assert result["distance"] <= 784 * 1.02


def test_city_plan_keeps_every_window_capacity_and_duration() -> None:
    stops = city_stops(60, seed=1)
    vehicles = tuple(Vehicle(f"r{i}", start=STORE, end=STORE, capacity=16, max_duration_s=3 * 3600) for i in range(6))
    problem = Problem(vehicles=vehicles, stops=stops, horizon_s=4 * 3600)
    result = plan(problem, MATRIX, Budget(seconds=2))
    assert result.feasible
    assert check(problem, result) == []


def test_multi_trip_routes_reload_at_the_store() -> None:
    stops = city_stops(30, seed=2, window_s=3 * 3600)
    problem = Problem(
        vehicles=(
            Vehicle("r1", STORE, STORE, capacity=6, max_trips=5),
            Vehicle("r2", STORE, STORE, capacity=6, max_trips=5),
        ),
        stops=tuple(Stop(s.stop_id, s.place, 1, s.service_s, s.window) for s in stops),
        horizon_s=4 * 3600,
    )
    result = plan(problem, MATRIX, Budget(seconds=2))
    assert check(problem, result) == []
    assert max(r.trips for r in result.routes) > 1


def test_riders_start_where_they_are_and_pinned_stops_stay_on_their_bike() -> None:
    stops = list(city_stops(20, seed=3, window_s=3 * 3600))
    stops[0] = Stop(stops[0].stop_id, stops[0].place, 1, 120, stops[0].window, vehicle_id="far")
    stops[1] = Stop(stops[1].stop_id, stops[1].place, 1, 120, stops[1].window, vehicle_id="far")
    stops[2] = Stop(stops[2].stop_id, stops[2].place, 1, 120, stops[2].window, vehicle_id="near")
    problem = Problem(
        vehicles=(
            Vehicle("near", start=(31.2310, 121.4740), end=STORE, capacity=10),
            Vehicle("far", start=(31.2600, 121.5000), end=STORE, capacity=10, earliest_start_s=300),
            Vehicle("idle", start=STORE, end=STORE, capacity=10),
        ),
        stops=tuple(stops),
        horizon_s=4 * 3600,
        optional_stops=True,
    )
    result = plan(problem, MATRIX, Budget(seconds=1))
    assert result.unplanned == ()
    served_by = {v.stop_id: r.vehicle_id for r in result.routes for v in r.visits}
    assert served_by["o0"] == served_by["o1"] == "far"
    assert served_by["o2"] == "near"
    assert check(problem, result) == []


def test_an_order_that_cannot_be_on_time_is_still_planned_and_flagged() -> None:
    stops = (
        Stop("on-time", (31.2350, 121.4800), 1, 120, (0, 3600)),
        Stop("hopeless", (31.2900, 121.5500), 1, 120, (0, 60)),  # 9 km away, promised in a minute
        Stop("already-late", (31.2320, 121.4750), 1, 120, (0, -600)),
    )
    problem = Problem(
        vehicles=(Vehicle("r", STORE, STORE, capacity=5),), stops=stops, horizon_s=4 * 3600, optional_stops=True
    )
    result = plan(problem, MATRIX, Budget(seconds=0.5))
    assert result.unplanned == ()
    assert set(result.relaxed) == {"hopeless", "already-late"}
    assert check(problem, result) == []  # the on-time stop keeps its window


def test_capacity_shortfall_leaves_orders_unplanned_instead_of_breaking_the_plan() -> None:
    stops = tuple(Stop(f"o{i}", (31.23 + i * 0.001, 121.47), 1, 60) for i in range(7))
    problem = Problem(
        vehicles=(Vehicle("r", STORE, STORE, capacity=4),), stops=stops, horizon_s=4 * 3600, optional_stops=True
    )
    result = plan(problem, MATRIX, Budget(seconds=0.5))
    assert len(result.unplanned) == 3
    assert check(problem, result, every_stop=False) == []


def test_warm_start_rebuilds_the_current_plan_and_the_replan_adds_the_ad_hoc_order() -> None:
    stops = city_stops(25, seed=4, window_s=2 * 3600)
    vehicles = tuple(Vehicle(f"r{i}", STORE, STORE, capacity=15, max_duration_s=3 * 3600) for i in range(3))
    problem = Problem(vehicles=vehicles, stops=stops, horizon_s=4 * 3600, optional_stops=True)
    first = plan(problem, MATRIX, Budget(seconds=1))
    assert first.unplanned == ()

    ad_hoc = Stop("ad-hoc", (31.2400, 121.4800), 1, 120, (0, 3 * 3600))
    second_problem = Problem(vehicles=vehicles, stops=(*stops, ad_hoc), horizon_s=4 * 3600, optional_stops=True)
    model = build_model(second_problem, MATRIX.matrices([STORE, *(s.place for s in second_problem.stops)]))
    start = initial_solution(model, first.sequences())
    assert start is not None
    rebuilt = {
        model.type_vehicles[r.vehicle_type()].vehicle_id: [
            model.stops[a.idx].stop_id for a in r.schedule() if a.is_client()
        ]
        for r in start.routes()
    }
    assert rebuilt == {k: v for k, v in first.sequences().items() if v}

    second = plan(second_problem, MATRIX, Budget(seconds=0.5), warm_start=first.sequences())
    assert second.unplanned == ()
    assert "ad-hoc" in {v.stop_id for r in second.routes for v in r.visits}
    assert check(second_problem, second) == []


def test_even_share_caps_each_riders_trip() -> None:
    riders = [RiderLoad("a", 6), RiderLoad("b", 6), RiderLoad("c", 6, on_board=2), RiderLoad("d", 2)]
    caps = trip_capacities(riders, new_stops=10)
    assert caps == {"a": 4, "b": 3, "c": 1, "d": 2}  # d's small bike leaves one more for the least loaded
    assert sum(caps.values()) == 10
    assert trip_capacities([RiderLoad("a", 6, pinned=4)], new_stops=1) == {"a": 4}
