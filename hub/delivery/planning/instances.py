"""Standard benchmark instances (Solomon VRPTW text, CVRPLIB/TSPLIB CVRP) for the same planner.

Conventions (results are only comparable under the same one):

- ``exact``: coordinates, times and service durations scaled by 1000, travel times rounded UP, so
  a plan feasible in the model is feasible under exact Euclidean travel times; distance only.
- ``hierarchical``: ``exact`` plus a fixed cost per vehicle that dominates distance: fewest vehicles
  first, then distance (the classic Solomon objective, unrounded Euclidean distance).
- ``dimacs``: arc distances x10 truncated (DIMACS 2021 / CVRPLIB VRPTW); distance only. Truncation
  makes travel slightly shorter than exact, so a DIMACS-feasible plan may break a window by a hair.
- ``cvrplib``: TSPLIB EUC_2D, distances rounded to the nearest integer (CVRP instances).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hub.delivery.planning.matrix import EuclideanMatrix
from hub.delivery.planning.problem import Problem, Stop, Vehicle

Convention = Literal["exact", "hierarchical", "dimacs", "cvrplib"]
InstanceFormat = Literal["solomon", "cvrplib"]
HIERARCHICAL_VEHICLE_COST = 10**9
"""Model units (x1000 scale): worth more than any distance a vehicle fewer could add."""


class InstanceError(ValueError):
    """The file is not a readable instance of the announced format."""


@dataclass(frozen=True)
class BenchmarkInstance:
    name: str
    format: InstanceFormat
    depot_id: int
    ids: tuple[int, ...]
    """Node ids as in the file; the depot first."""
    coords: tuple[tuple[float, float], ...]
    demand: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    service: tuple[float, ...]
    capacity: int
    vehicles: int | None
    """Available vehicles; None when the format leaves the fleet open (CVRPLIB)."""

    @property
    def horizon(self) -> float:
        return self.due[0]

    @property
    def has_windows(self) -> bool:
        return self.format == "solomon"


def read_instance(path: Path, fmt: InstanceFormat) -> BenchmarkInstance:
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_solomon(text) if fmt == "solomon" else parse_cvrplib(text)


def parse_solomon(text: str) -> BenchmarkInstance:
    lines = text.splitlines()
    name = next((line.strip() for line in lines if line.strip()), "instance")
    vehicles = capacity = None
    rows: list[list[float]] = []
    for i, line in enumerate(lines):
        if line.strip().upper().startswith("NUMBER") and i + 1 < len(lines):
            parts = lines[i + 1].split()
            if len(parts) >= 2:
                vehicles, capacity = int(parts[0]), int(parts[1])
        parts = line.split()
        if len(parts) == 7:
            try:
                rows.append([float(p) for p in parts])
            except ValueError:
                continue
    if vehicles is None or capacity is None or len(rows) < 2:
        raise InstanceError("not a Solomon instance: needs VEHICLE NUMBER/CAPACITY and customer rows")
    if int(rows[0][0]) != 0:
        raise InstanceError("the first customer row must be the depot (id 0)")
    return BenchmarkInstance(
        name=name,
        format="solomon",
        depot_id=0,
        ids=tuple(int(r[0]) for r in rows),
        coords=tuple((r[1], r[2]) for r in rows),
        demand=tuple(int(r[3]) for r in rows),
        ready=tuple(r[4] for r in rows),
        due=tuple(r[5] for r in rows),
        service=tuple(r[6] for r in rows),
        capacity=capacity,
        vehicles=vehicles,
    )


def parse_cvrplib(text: str) -> BenchmarkInstance:
    header: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    demand: dict[int, int] = {}
    depots: list[int] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            section = line
            continue
        if ":" in line and not section:
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
            continue
        parts = line.split()
        if section == "NODE_COORD_SECTION" and len(parts) == 3:
            coords[int(parts[0])] = (float(parts[1]), float(parts[2]))
        elif section == "DEMAND_SECTION" and len(parts) == 2:
            demand[int(parts[0])] = int(parts[1])
        elif section == "DEPOT_SECTION" and parts[0] != "-1":
            depots.append(int(parts[0]))
    if header.get("EDGE_WEIGHT_TYPE", "EUC_2D").split()[0] != "EUC_2D":
        raise InstanceError("only EUC_2D CVRPLIB instances are supported")
    if "CAPACITY" not in header or not coords or set(coords) != set(demand):
        raise InstanceError("not a CVRPLIB instance: needs CAPACITY, NODE_COORD_SECTION and DEMAND_SECTION")
    depot = depots[0] if depots else min(coords)
    ids = (depot, *sorted(i for i in coords if i != depot))
    horizon = float(10**9)
    return BenchmarkInstance(
        name=header.get("NAME", "instance"),
        format="cvrplib",
        depot_id=depot,
        ids=ids,
        coords=tuple(coords[i] for i in ids),
        demand=tuple(demand[i] for i in ids),
        ready=tuple(0.0 for _ in ids),
        due=tuple(horizon for _ in ids),
        service=tuple(0.0 for _ in ids),
        capacity=int(header["CAPACITY"]),
        vehicles=None,
    )


def to_problem(instance: BenchmarkInstance, convention: Convention) -> tuple[Problem, EuclideanMatrix]:
    """The planner's problem for this instance under ``convention``, and the matrix provider to use."""
    if instance.format == "cvrplib" and convention not in ("cvrplib", "exact"):
        raise InstanceError(f"convention {convention!r} is for Solomon instances; use cvrplib or exact")
    if convention == "dimacs":
        provider = EuclideanMatrix(rounding="dimacs")
    elif convention == "cvrplib":
        provider = EuclideanMatrix(scale=1, rounding="nearest")
    else:
        provider = EuclideanMatrix(scale=1000, rounding="ceil")
    unit = provider.unit
    fleet = instance.vehicles if instance.vehicles is not None else len(instance.ids) - 1
    horizon = int(instance.horizon * unit) if instance.has_windows else 2**40
    depot = instance.coords[0]
    vehicle = Vehicle(
        vehicle_id="vehicle",
        start=depot,
        end=depot,
        capacity=instance.capacity,
        count=fleet,
        fixed_cost=HIERARCHICAL_VEHICLE_COST if convention == "hierarchical" else 0,
    )
    stops = tuple(
        Stop(
            stop_id=str(instance.ids[i]),
            place=instance.coords[i],
            demand=instance.demand[i],
            service_s=round(instance.service[i] * unit),
            window=(round(instance.ready[i] * unit), round(instance.due[i] * unit)) if instance.has_windows else None,
        )
        for i in range(1, len(instance.ids))
    )
    return Problem(vehicles=(vehicle,), stops=stops, horizon_s=horizon), provider
