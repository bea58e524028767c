"""Today's stops in order, with what the rider has reported on each. Pure (contracts only).

The hub's plans arrive as retained ``RiderRoute`` messages, one per kind: the day's order
deliveries (re-planned by the dispatcher) and a subscription round (the milk run the store's
cut-off plans for a business date). Each is replaced only by a newer plan of its own kind, so the
evening's cut-off never takes the order stops off the screen. What the rider reported survives
re-plans (it is keyed by order) and restarts (the spool keeps it).

A report counts at once (the rider works on while offline) but is *pending confirmation* until the
hub answers. Applied: it stands. Refused (a wrong delivery code, a cancelled order): it is taken
back, the stop is what it was before, and the row shows the hub's reason until the next report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.rider import DeliveryEventKind, FailureReason, RiderRoute, RouteStop
from rider_tracker.errors import InvalidReport


class RouteKind(StrEnum):
    ORDERS = "orders"
    """Today's order deliveries, re-planned through the day."""
    ROUND = "round"
    """A subscription round of one business date (the milk run), from the store's cut-off."""


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


class Outcome(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    REFUSED = "refused"


@dataclass(slots=True)
class Report:
    kind: DeliveryEventKind
    reason: FailureReason | None
    message_id: str | None
    outcome: Outcome
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class StopRow:
    stop: RouteStop
    state: StopState
    reason: FailureReason | None = None
    pending: bool = False
    """The report that put the stop in ``state`` waits for the hub's confirmation."""
    refusal: str | None = None
    """The hub refused the last report on this stop, for this reason: the stop is open again."""

    @property
    def done(self) -> bool:
        """Delivered or failed, and the hub has confirmed it."""
        return self.state in (StopState.DELIVERED, StopState.FAILED) and not self.pending


class RouteBoard:
    def __init__(self, rider_id: str) -> None:
        self.rider_id = rider_id
        self.plans: dict[RouteKind, RiderRoute] = {}
        """The newest plan of each kind (a released round is a plan without stops)."""
        self._reports: dict[str, list[Report]] = {}
        self._by_message: dict[str, tuple[str, Report]] = {}

    def apply_route(self, route: RiderRoute, kind: RouteKind = RouteKind.ORDERS) -> bool:
        """Take a plan if it is this rider's and newer than the one shown of its kind."""
        if route.rider_id != self.rider_id:
            return False
        current = self.plans.get(kind)
        if current is not None and (route.planned_at, route.version) <= (current.planned_at, current.version):
            return False
        self.plans[kind] = route
        return True

    @property
    def shown(self) -> list[tuple[RouteKind, RiderRoute]]:
        """The plans with stops, order deliveries first."""
        return [(kind, self.plans[kind]) for kind in RouteKind if kind in self.plans and self.plans[kind].stops]

    def rows(self) -> list[StopRow]:
        """Every stop to visit: the order route's, then the round's, each in its plan's order."""
        rows = []
        seen: set[str] = set()
        for _, plan in self.shown:
            for stop in sorted(plan.stops, key=lambda s: s.sequence):
                if stop.order_id in seen:  # a plan naming an order twice: show its first visit only
                    continue
                seen.add(stop.order_id)
                rows.append(self._row(stop))
        return rows

    def _standing(self, order_id: str) -> Report | None:
        """The last report the hub has not refused: what the stop is now."""
        return next((r for r in reversed(self._reports.get(order_id, [])) if r.outcome is not Outcome.REFUSED), None)

    def _row(self, stop: RouteStop) -> StopRow:
        reports = self._reports.get(stop.order_id, [])
        standing = self._standing(stop.order_id)
        refusal = reports[-1].refusal if reports and reports[-1].outcome is Outcome.REFUSED else None
        if standing is None:
            return StopRow(stop, StopState.PLANNED, refusal=refusal)
        return StopRow(
            stop,
            _STATE_OF[standing.kind],
            standing.reason,
            pending=standing.outcome is Outcome.PENDING,
            refusal=refusal,
        )

    def state_of(self, order_id: str) -> StopState:
        standing = self._standing(order_id)
        return _STATE_OF[standing.kind] if standing is not None else StopState.PLANNED

    def row_of(self, order_id: str) -> StopRow | None:
        return next((r for r in self.rows() if r.stop.order_id == order_id), None)

    def check(self, order_id: str, kind: DeliveryEventKind) -> None:
        """Raise InvalidReport unless ``kind`` is a sensible next report for this order."""
        if all(s.order_id != order_id for _, plan in self.shown for s in plan.stops):
            raise InvalidReport(f"order {order_id} is not on today's route")
        state = self.state_of(order_id)
        if kind not in NEXT[state]:
            raise InvalidReport(f"order {order_id} is {state.value}: cannot report {kind.value}")

    def record(
        self,
        order_id: str,
        kind: DeliveryEventKind,
        reason: FailureReason | None = None,
        *,
        message_id: str | None = None,
        outcome: Outcome | None = None,
        refusal: str | None = None,
    ) -> None:
        """What the rider reported (now, or before a restart).

        With a ``message_id`` the report is pending until ``settle``; without one it simply stands.
        """
        if outcome is None:
            outcome = Outcome.PENDING if message_id is not None else Outcome.APPLIED
        report = Report(kind, reason, message_id, outcome, refusal)
        self._reports.setdefault(order_id, []).append(report)
        if message_id is not None:
            self._by_message[message_id] = (order_id, report)

    def settle(self, message_id: str, *, refusal: str | None = None) -> str | None:
        """The hub's answer to a report: applied (``refusal`` None) or refused. The order id, if known."""
        found = self._by_message.get(message_id)
        if found is None:
            return None
        order_id, report = found
        report.outcome = Outcome.APPLIED if refusal is None else Outcome.REFUSED
        report.refusal = refusal
        return order_id

    def kind_of(self, message_id: str) -> DeliveryEventKind | None:
        found = self._by_message.get(message_id)
        return found[1].kind if found is not None else None

    def withdraw(self, message_id: str) -> None:
        """Forget a report that could not be queued after all."""
        found = self._by_message.pop(message_id, None)
        if found is not None:
            self._reports[found[0]].remove(found[1])

    def next_open(self) -> RouteStop | None:
        for row in self.rows():
            if row.state not in (StopState.DELIVERED, StopState.FAILED):
                return row.stop
        return None
