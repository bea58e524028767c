"""Route planning: the hub's planner (PyVRP 0.14) on Solomon C101, R101, RC101 and on a synthetic day.

Benchmark instances, gap against ``bks.csv`` under a stated convention (never mixed):

- ``dimacs`` (default): distance only, every arc truncated to one decimal (DIMACS 2021 VRPTW
  challenge, as used by PyVRP's and LKH-3's published results); gap against the DIMACS best known.
- ``hierarchical``: fewest vehicles first, then unrounded Euclidean distance (the classic Solomon
  objective; SINTEF's table). Travel times are rounded UP at x1000 so plans hold under exact times.

Every plan is also replayed under exact Euclidean travel times (``constraints hold exact``).

The synthetic day: 2,000 drop-offs for 40 riders around one store in Shanghai, 1-hour delivery
windows spread over a 12-hour day, 2 minutes per stop, 8 orders per trip with reloads at the store,
great-circle x 1.3 detour at 4.5 m/s (travel times rounded up). Time taken covers building the
matrix and the model and solving; "every window holds" is checked by replaying each route with
unrounded travel times, independently of the solver.

    .venv/bin/python bench/routing.py                              # 10 s per instance + the day
    .venv/bin/python bench/routing.py --seconds 2 --day-stops 300 --day-riders 8 --day-seconds 5
    .venv/bin/python bench/routing.py --conventions dimacs,hierarchical --skip-day
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import random
import statistics
import time
import warnings
from pathlib import Path

from pyvrp.exceptions import PenaltyBoundWarning

from hub.delivery.planning.benchmark import solve_instance
from hub.delivery.planning.instances import read_instance
from hub.delivery.planning.matrix import GreatCircleMatrix, SpeedProfile
from hub.delivery.planning.problem import Plan, Problem, Stop, Vehicle
from hub.delivery.planning.solver import Budget, plan

DATA = Path(os.environ.get("BRIGADE_VRP_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "vrp"))
BKS_ROWS = {"dimacs": "distance only (DIMACS", "hierarchical": "hierarchical"}
STORE = (31.2304, 121.4737)
DETOUR, SPEED = 1.3, 4.5


def best_known(data: Path) -> dict[tuple[str, str], tuple[int, float]]:
    found: dict[tuple[str, str], tuple[int, float]] = {}
    with (data / "bks.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for convention, prefix in BKS_ROWS.items():
                if row["convention"].startswith(prefix):
                    found[(row["instance"], convention)] = (int(row["vehicles"]), float(row["distance"]))
    return found


def benchmark_instances(args: argparse.Namespace) -> None:
    bks = best_known(args.data)
    for convention in args.conventions.split(","):
        gaps = []
        print(f"Solomon instances, {args.seconds:.0f} s each, convention {convention!r}, seed {args.seed}:")
        print(
            f"  {'instance':8} {'vehicles':>8} {'bks veh':>8} {'distance':>10} {'bks':>10} {'gap':>7}  exact-feasible"
        )
        for name in args.instances.split(","):
            instance = read_instance(args.data / f"{name}.txt", "solomon")
            result = solve_instance(instance, convention, args.seconds, args.seed)  # type: ignore[arg-type]
            bks_vehicles, bks_distance = bks[(name, convention)]
            gap = (result["distance"] - bks_distance) / bks_distance
            comparable = convention != "hierarchical" or result["vehicles"] == bks_vehicles
            if comparable:
                gaps.append(gap)
            shown = f"{gap * 100:6.2f}%" if comparable else f"veh{result['vehicles'] - bks_vehicles:+d}"
            print(
                f"  {name:8} {result['vehicles']:8d} {bks_vehicles:8d} {result['distance']:10.2f} {bks_distance:10.2f}"
                f" {shown:>7}  {result['constraints_hold_exact']}"
            )
        missed = len(args.instances.split(",")) - len(gaps)
        note = f"; {missed} instance(s) with more vehicles than the best known: no distance gap" if missed else ""
        mean = f"{statistics.mean(gaps) * 100:.2f}%" if gaps else "n/a"
        print(f"  mean gap {mean} over {len(gaps)} instance(s) (target < 1%){note}")


def synthetic_day(stops: int, riders: int, seed: int) -> Problem:
    rng = random.Random(seed)
    horizon = 12 * 3600
    drops = []
    for i in range(stops):
        distance = 6000 * math.sqrt(rng.random())  # uniform over a 6 km disc around the store
        bearing = rng.uniform(0, 2 * math.pi)
        lat = STORE[0] + distance * math.cos(bearing) / 111_195
        lon = STORE[1] + distance * math.sin(bearing) / (111_195 * math.cos(math.radians(STORE[0])))
        early = rng.randrange(0, horizon - 3600 - 1800, 900)
        drops.append(Stop(f"o{i}", (lat, lon), 1, 120, (early, early + 3600)))
    fleet = tuple(
        Vehicle(f"rider-{k:02d}", STORE, STORE, capacity=8, max_duration_s=horizon, max_trips=12) for k in range(riders)
    )
    return Problem(vehicles=fleet, stops=tuple(drops), horizon_s=horizon)


def replay_windows(problem: Problem, result: Plan) -> list[str]:
    """Unrounded haversine replay of every route: windows, capacity per trip, duration, horizon."""
    stops = {s.stop_id: s for s in problem.stops}
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    problems = []

    def leg(a: tuple[float, float], b: tuple[float, float]) -> float:
        p1, p2 = math.radians(a[0]), math.radians(b[0])
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
        return 2 * 6371008.8 * math.asin(math.sqrt(min(1.0, h))) * DETOUR / SPEED

    seen = [v.stop_id for r in result.routes for v in r.visits]
    if sorted(seen) != sorted(stops):
        problems.append(f"{len(set(stops) - set(seen))} stops unserved, {len(seen) - len(set(seen))} served twice")
    for route in result.routes:
        vehicle = vehicles[route.vehicle_id]
        t, here, trip, load = float(route.start_s), vehicle.start, None, 0
        for visit in route.visits:
            stop = stops[visit.stop_id]
            if trip is not None and visit.trip != trip:
                t, here, load = t + leg(here, vehicle.end), vehicle.end, 0
            trip, load = visit.trip, load + stop.demand
            if load > vehicle.capacity:
                problems.append(f"{route.vehicle_id}: load {load} on trip {trip}")
            t = max(t + leg(here, stop.place), stop.window[0] if stop.window else 0)
            if stop.window and t > stop.window[1] + 1e-6:
                problems.append(f"{visit.stop_id} served {t - stop.window[1]:.0f} s late")
            t, here = t + stop.service_s, stop.place
        t += leg(here, vehicle.end)
        if t - route.start_s > (vehicle.max_duration_s or problem.horizon_s) or t > problem.horizon_s:
            problems.append(f"{route.vehicle_id} back too late ({t:.0f} s)")
    return problems


def benchmark_day(args: argparse.Namespace) -> None:
    problem = synthetic_day(args.day_stops, args.day_riders, args.seed)
    matrix = GreatCircleMatrix(detour_factor=DETOUR, speed=SpeedProfile(default_mps=SPEED), hour=12)
    started = time.monotonic()
    result = plan(problem, matrix, Budget(seconds=args.day_seconds, seed=args.seed))
    taken = time.monotonic() - started
    violations = replay_windows(problem, result)
    used = [r for r in result.routes if r.visits]
    print(
        f"synthetic day: {args.day_stops} stops, {args.day_riders} riders, 1-hour windows over 12 h, "
        f"solver budget {args.day_seconds:.0f} s"
    )
    print(f"  time taken {taken:.1f} s (target < 60 s), {result.iterations} iterations")
    print(
        f"  riders used {len(used)}, trips {sum(r.trips for r in used)}, distance {result.distance / 1000:.1f} km, "
        f"feasible in the model: {result.feasible}"
    )
    print(f"  every window holds (unrounded replay): {not violations}" + (f" - {violations[:3]}" if violations else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="folder with C101.txt, R101.txt, RC101.txt, bks.csv")
    parser.add_argument("--instances", default="C101,R101,RC101")
    parser.add_argument("--conventions", default="dimacs", help="comma-separated: dimacs, hierarchical")
    parser.add_argument("--seconds", type=float, default=10.0, help="solver time per instance")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-instances", action="store_true")
    parser.add_argument("--skip-day", action="store_true")
    parser.add_argument("--day-stops", type=int, default=2000)
    parser.add_argument("--day-riders", type=int, default=40)
    parser.add_argument("--day-seconds", type=float, default=40.0, help="solver time for the synthetic day")
    args = parser.parse_args()
    warnings.simplefilter("ignore", PenaltyBoundWarning)  # PyVRP's note while it searches for fewer vehicles
    print(f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()})")
    if not args.skip_instances:
        benchmark_instances(args)
    if not args.skip_day:
        benchmark_day(args)


if __name__ == "__main__":
    main()
