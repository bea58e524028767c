"""What the route planner is asked and what it answers. Pure data: no solver, no database.

Times are integer seconds from the plan's epoch (or the instance's own unit for benchmark
instances); places are pairs the matrix provider understands ((lat, lon) for the great-circle
provider, (x, y) for the Euclidean one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Place = tuple[float, float]


@dataclass(frozen=True)
class Stop:
    stop_id: str
    place: Place
    demand: int = 1
    service_s: int = 0
    window: tuple[int, int] | None = None
    """Earliest and latest start of service; None: any time within the horizon."""
    vehicle_id: str | None = None
    """Pinned to this vehicle (already on its bike, or assigned by hand)."""


@dataclass(frozen=True)
class Vehicle:
    vehicle_id: str
    start: Place
    end: Place
    capacity: int
    earliest_start_s: int = 0
    max_duration_s: int | None = None
    max_trips: int = 1
    """More than one: the vehicle may go back to ``end`` to reload and start another trip."""
    count: int = 1
    """Identical vehicles of this kind (benchmark fleets); live riders are one each."""
    fixed_cost: int = 0


@dataclass(frozen=True)
class Problem:
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    horizon_s: int
    optional_stops: bool = False
    """Live planning: a stop that cannot be served on time is left out (and reported) rather
    than making the whole plan infeasible. Benchmarks require every stop."""


@dataclass(frozen=True)
class PlannedVisit:
    stop_id: str
    arrival_s: int
    """Start of service: the ETA a customer is given."""
    departure_s: int
    trip: int = 0


@dataclass(frozen=True)
class PlannedRoute:
    vehicle_id: str
    visits: tuple[PlannedVisit, ...]
    start_s: int
    end_s: int
    distance: int
    """In the matrix provider's distance unit (metres for great-circle)."""
    trips: int = 1


@dataclass(frozen=True)
class Plan:
    routes: tuple[PlannedRoute, ...]
    unplanned: tuple[str, ...]
    feasible: bool
    distance: int
    iterations: int = 0
    runtime_s: float = 0.0
    relaxed: tuple[str, ...] = ()
    """Stops whose window could not be kept: planned after it closes (they will be late)."""
    extra: Mapping[str, object] = field(default_factory=dict)

    def sequences(self) -> dict[str, list[str]]:
        """Vehicle id -> stop ids in visiting order: the warm start for the next plan."""
        return {r.vehicle_id: [v.stop_id for v in r.visits] for r in self.routes}


def stop_index(stops: Sequence[Stop]) -> dict[str, int]:
    return {s.stop_id: i for i, s in enumerate(stops)}
