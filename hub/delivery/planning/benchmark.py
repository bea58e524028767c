"""Solve a benchmark instance with the live planner and report it so anyone can check it."""

from __future__ import annotations

from typing import Any

from hub.delivery.planning.exact_check import check_exact, convention_distance
from hub.delivery.planning.instances import BenchmarkInstance, Convention
from hub.delivery.planning.instances import to_problem as instance_problem
from hub.delivery.planning.solver import Budget, plan


def solve_instance(
    instance: BenchmarkInstance, convention: Convention, seconds: float, seed: int = 0
) -> dict[str, Any]:
    problem, provider = instance_problem(instance, convention)
    result = plan(problem, provider, Budget(seconds=seconds, seed=seed))
    routes = [[int(v.stop_id) for v in route.visits] for route in result.routes if route.visits]
    check = check_exact(instance, routes)
    return {
        "instance": instance.name,
        "format": instance.format,
        "convention": convention,
        "seconds": seconds,
        "seed": seed,
        "vehicles": len(routes),
        "distance": round(convention_distance(instance, routes, convention), 2),
        "distance_exact": round(check.distance, 2),
        "routes": routes,
        "feasible_in_model": result.feasible,
        "constraints_hold_exact": check.holds,
        "checks": {
            "every_customer_once": check.every_customer_once,
            "capacity": check.capacity,
            "time_windows": check.time_windows,
            "back_by_horizon": check.back_by_horizon,
            "fleet": check.fleet,
        },
        "violations": list(check.violations),
        "iterations": result.iterations,
        "runtime_s": round(result.runtime_s, 2),
    }
