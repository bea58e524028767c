"""Today's stops in order, with what the rider has reported on each. Pure (contracts only).

The hub's plan arrives as a retained ``RiderRoute`` and is replaced by each re-plan; what the
rider reported survives re-plans (it is keyed by order) and restarts (the spool keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.rider import DeliveryEventKind, FailureReason, RiderRoute, RouteStop
from rider_tracker.errors import InvalidReport


class StopState(StrEnum):
    PLANNED = "planned"
    PICKED_UP = "picked_up"
    ARRIVED = "arrived"
    DELIVERED = "delivered"
    FAILED = "failed"


NEXT: dict[StopState, frozenset[DeliveryEventKind]] = {
    StopState.PLANNED: frozenset({DeliveryEventKind.PICKED_UP}),
    StopState.PICKED_UP: frozenset({DeliveryEventKind.ARRIVED, DeliveryEventKind.DELIVERED, DeliveryEventKind.FAILED}),
    StopState.ARRIVED: frozenset({DeliveryEventKind.DELIVERED, DeliveryEventKind.FAILED}),
    StopState.DELIVERED: frozenset(),
    StopState.FAILED: frozenset(),
}
_STATE_OF = {
    DeliveryEventKind.PICKED_UP: StopState.PICKED_UP,
    DeliveryEventKind.ARRIVED: StopState.ARRIVED,
    DeliveryEventKind.DELIVERED: StopState.DELIVERED,
    DeliveryEventKind.FAILED: StopState.FAILED,
}


@dataclass(frozen=True, slots=True)
class StopRow:
    stop: RouteStop
    state: StopState
    reason: FailureReason | None = None


class RouteBoard:
    def __init__(self, rider_id: str) -> None:
        self.rider_id = rider_id
        self.route: RiderRoute | None = None
        self._states: dict[str, tuple[StopState, FailureReason | None]] = {}

    def apply_route(self, route: RiderRoute) -> bool:
        """Take a plan if it is this rider's and newer than the one shown."""
        if route.rider_id != self.rider_id:
            return False
        current = self.route
        if current is not None and (route.planned_at, route.version) <= (current.planned_at, current.version):
            return False
        self.route = route
        return True

    def rows(self) -> list[StopRow]:
        if self.route is None:
            return []
        rows = []
        shown: set[str] = set()
        for stop in sorted(self.route.stops, key=lambda s: s.sequence):
            if stop.order_id in shown:  # a plan naming an order twice: show its first visit only
                continue
            shown.add(stop.order_id)
            state, reason = self._states.get(stop.order_id, (StopState.PLANNED, None))
            rows.append(StopRow(stop, state, reason))
        return rows

    def state_of(self, order_id: str) -> StopState:
        return self._states.get(order_id, (StopState.PLANNED, None))[0]

    def check(self, order_id: str, kind: DeliveryEventKind) -> None:
        """Raise InvalidReport unless ``kind`` is a sensible next report for this order."""
        if self.route is None or all(s.order_id != order_id for s in self.route.stops):
            raise InvalidReport(f"order {order_id} is not on today's route")
        state = self.state_of(order_id)
        if kind not in NEXT[state]:
            raise InvalidReport(f"order {order_id} is {state.value}: cannot report {kind.value}")

    def record(self, order_id: str, kind: DeliveryEventKind, reason: FailureReason | None = None) -> None:
        """What the rider reported (now, or before a restart)."""
        self._states[order_id] = (_STATE_OF[kind], reason)

    def next_open(self, after_sequence: int = 0) -> RouteStop | None:
        for row in self.rows():
            if row.stop.sequence > after_sequence and row.state not in (StopState.DELIVERED, StopState.FAILED):
                return row.stop
        return None

    @property
    def planned_at(self) -> datetime | None:
        return self.route.planned_at if self.route else None
