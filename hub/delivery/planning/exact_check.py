"""Does a benchmark plan hold under exact (unrounded) Euclidean travel times? Used by the CLI and bench.

Independent of the solver's own bookkeeping: it re-simulates each route from the instance file's
numbers (start of service within [ready, due], waiting when early, back at the depot by its due
time, capacity, every customer exactly once, no more vehicles than available).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.delivery.planning.instances import BenchmarkInstance, Convention

EPSILON = 1e-6


@dataclass(frozen=True)
class ExactCheck:
    vehicles: int
    distance: float
    """Unrounded Euclidean length of every route."""
    every_customer_once: bool
    capacity: bool
    time_windows: bool
    back_by_horizon: bool
    fleet: bool
    violations: tuple[str, ...] = field(default=())

    @property
    def holds(self) -> bool:
        return self.every_customer_once and self.capacity and self.time_windows and self.back_by_horizon and self.fleet


def check_exact(instance: BenchmarkInstance, routes: Sequence[Sequence[int]]) -> ExactCheck:
    index = {node: i for i, node in enumerate(instance.ids)}
    violations: list[str] = []
    seen: list[int] = [c for route in routes for c in route]
    customers = set(instance.ids[1:])
    once = sorted(seen) == sorted(customers)
    if not once:
        violations.append(f"customers visited {len(seen)} times for {len(customers)} customers (or unknown ids)")
    capacity_ok = windows_ok = horizon_ok = True
    total = 0.0
    for n, route in enumerate(routes):
        nodes = [0] + [index[c] for c in route if c in index] + [0]
        load = sum(instance.demand[i] for i in nodes[1:-1])
        if load > instance.capacity:
            capacity_ok = False
            violations.append(f"route {n + 1}: load {load} > capacity {instance.capacity}")
        t = instance.ready[0]
        for prev, cur in itertools.pairwise(nodes):
            leg = _euclid(instance.coords[prev], instance.coords[cur])
            total += leg
            t += leg
            if cur == 0:
                break
            start = max(t, instance.ready[cur])
            if instance.has_windows and start > instance.due[cur] + EPSILON:
                windows_ok = False
                violations.append(
                    f"route {n + 1}: customer {instance.ids[cur]} served at {start:.3f} > due {instance.due[cur]}"
                )
            t = start + instance.service[cur]
        if instance.has_windows and t > instance.due[0] + EPSILON:
            horizon_ok = False
            violations.append(f"route {n + 1}: back at the depot at {t:.3f} > {instance.due[0]}")
    fleet_ok = instance.vehicles is None or len(routes) <= instance.vehicles
    if not fleet_ok:
        violations.append(f"{len(routes)} routes for {instance.vehicles} vehicles")
    return ExactCheck(
        vehicles=len(routes),
        distance=total,
        every_customer_once=once,
        capacity=capacity_ok,
        time_windows=windows_ok,
        back_by_horizon=horizon_ok,
        fleet=fleet_ok,
        violations=tuple(violations[:10]),
    )


def convention_distance(instance: BenchmarkInstance, routes: Sequence[Sequence[int]], convention: Convention) -> float:
    """Total distance as the convention counts it (DIMACS: arcs truncated to 0.1; CVRPLIB: rounded)."""
    index = {node: i for i, node in enumerate(instance.ids)}
    total = 0.0
    for route in routes:
        nodes = [0] + [index[c] for c in route] + [0]
        for a, b in itertools.pairwise(nodes):
            d = _euclid(instance.coords[a], instance.coords[b])
            if convention == "dimacs":
                total += math.floor(d * 10) / 10
            elif convention == "cvrplib":
                total += math.floor(d + 0.5)
            else:
                total += d
    return total


def _euclid(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
