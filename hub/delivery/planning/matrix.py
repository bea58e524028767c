"""Travel matrices for the planner, behind one port so a road-network service can replace them.

The default is great-circle distance x a detour factor, divided by a speed from a per-hour profile.
Every value is rounded UP to a whole metre or second: a plan that keeps its windows in rounded
units then keeps them in reality too (rounding down would let a plan be a few seconds late per leg).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from hub.delivery.planning.problem import Place

IntMatrix = npt.NDArray[np.int64]
EARTH_RADIUS_M = 6371008.8


@dataclass(frozen=True)
class TravelMatrices:
    distance: IntMatrix
    """distance[i, j]: from place i to place j, in the provider's unit (metres on the map)."""
    duration: IntMatrix
    """duration[i, j]: seconds (or the instance's time unit)."""


class TravelMatrixProvider(Protocol):
    def matrices(self, places: Sequence[Place]) -> TravelMatrices: ...


@dataclass(frozen=True)
class SpeedProfile:
    """Average door-to-door speed of a rider, by local hour of day (rush hours are slower)."""

    default_mps: float = 4.5
    by_hour: Mapping[int, float] = field(default_factory=dict)

    def speed_at(self, hour: int) -> float:
        speed = self.by_hour.get(hour, self.default_mps)
        if speed <= 0:
            raise ValueError(f"speed for hour {hour} must be positive")
        return speed


def great_circle_m(places: Sequence[Place]) -> npt.NDArray[np.float64]:
    """Haversine distance in metres between every pair of (lat, lon) WGS-84 places."""
    coords = np.radians(np.asarray(places, dtype=np.float64).reshape(-1, 2))
    lat, lon = coords[:, 0], coords[:, 1]
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, h)))
    return result


@dataclass(frozen=True)
class GreatCircleMatrix:
    """The default provider: haversine x detour factor; time = distance / speed at ``hour``."""

    detour_factor: float = 1.3
    speed: SpeedProfile = field(default_factory=SpeedProfile)
    hour: int = 12

    def matrices(self, places: Sequence[Place]) -> TravelMatrices:
        road_m = great_circle_m(places) * self.detour_factor
        seconds = road_m / self.speed.speed_at(self.hour)
        return TravelMatrices(distance=_ceil(road_m), duration=_ceil(seconds))

    def seconds_between(self, a: Place, b: Place) -> int:
        return int(self.matrices([a, b]).duration[0, 1])


Rounding = Literal["ceil", "dimacs", "nearest"]


@dataclass(frozen=True)
class EuclideanMatrix:
    """Plane distances for benchmark instances; travel time equals distance (one unit each).

    ``ceil``: scaled by ``scale`` and rounded up (planned windows hold under exact distances);
    ``dimacs``: x10 and truncated (the DIMACS 2021 convention); ``nearest``: rounded (TSPLIB EUC_2D).
    """

    scale: int = 1000
    rounding: Rounding = "ceil"

    def exact(self, places: Sequence[Place]) -> npt.NDArray[np.float64]:
        xy = np.asarray(places, dtype=np.float64).reshape(-1, 2)
        result: npt.NDArray[np.float64] = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
        return result

    def matrices(self, places: Sequence[Place]) -> TravelMatrices:
        exact = self.exact(places)
        if self.rounding == "dimacs":
            scaled: IntMatrix = np.floor(exact * 10).astype(np.int64)
        elif self.rounding == "nearest":
            scaled = np.floor(exact * self.scale + 0.5).astype(np.int64)
        else:
            scaled = _ceil(exact * self.scale)
        return TravelMatrices(distance=scaled, duration=scaled.copy())

    @property
    def unit(self) -> int:
        """Model units per instance unit."""
        return 10 if self.rounding == "dimacs" else self.scale


def _ceil(values: npt.NDArray[np.float64]) -> IntMatrix:
    # 1e-9 guards against 3.0000000001 from float noise turning a whole unit into the next one.
    result: IntMatrix = np.ceil(values - 1e-9).astype(np.int64)
    np.fill_diagonal(result, 0)
    return result
