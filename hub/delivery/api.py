"""The delivery domain's public surface for other domains."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hub.delivery.errors import UnknownStop
from hub.delivery.other_stops import RiderStopReported, by_owner, other_stop_id
from hub.delivery.tables import Delivery, Rider

deliveries_table = Delivery.__table__  # type: ignore[attr-defined]

riders_table = Rider.__table__  # type: ignore[attr-defined]

if TYPE_CHECKING:
    from hub.delivery.ingest import PositionIngest
    from hub.delivery.planning.matrix import GreatCircleMatrix
    from hub.delivery.planning.problem import Plan as RoutePlan
    from hub.delivery.planning.problem import Problem as RouteProblem
    from hub.delivery.planning.problem import Stop as RouteStop
    from hub.delivery.planning.problem import Vehicle as RouteVehicle
    from hub.delivery.planning.solver import Budget as RouteBudget
    from hub.delivery.planning.solver import plan as plan_routes
    from hub.delivery.rider_events import apply_rider_event, rider_event_applier
    from hub.delivery.settings import DeliverySettings

_EXPORTS = {
    "DeliverySettings": ("hub.delivery.settings", "DeliverySettings"),
    "PositionIngest": ("hub.delivery.ingest", "PositionIngest"),
    "apply_rider_event": ("hub.delivery.rider_events", "apply_rider_event"),
    "rider_event_applier": ("hub.delivery.rider_events", "rider_event_applier"),
    "GreatCircleMatrix": ("hub.delivery.planning.matrix", "GreatCircleMatrix"),
    "RouteBudget": ("hub.delivery.planning.solver", "Budget"),
    "RoutePlan": ("hub.delivery.planning.problem", "Plan"),
    "RouteProblem": ("hub.delivery.planning.problem", "Problem"),
    "RouteStop": ("hub.delivery.planning.problem", "Stop"),
    "RouteVehicle": ("hub.delivery.planning.problem", "Vehicle"),
    "plan_routes": ("hub.delivery.planning.solver", "plan"),
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    return getattr(importlib.import_module(module), attribute)


__all__ = [
    "DeliverySettings",
    "GreatCircleMatrix",
    "PositionIngest",
    "RiderStopReported",
    "RouteBudget",
    "RoutePlan",
    "RouteProblem",
    "RouteStop",
    "RouteVehicle",
    "UnknownStop",
    "apply_rider_event",
    "by_owner",
    "deliveries_table",
    "other_stop_id",
    "plan_routes",
    "rider_event_applier",
    "riders_table",
]
