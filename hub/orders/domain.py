"""The order's state machine. Pure: no framework, no database."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from hub.errors import Conflict


class OrderStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    COOKING = "cooking"
    READY = "ready"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Fulfilment(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"
    DINE_IN = "dine_in"


S = OrderStatus
_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.COOKING, S.READY, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.COOKING, S.READY, S.CANCELLED}),
    S.COOKING: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.ASSIGNED, S.DELIVERED, S.COOKING, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.PICKED_UP, S.READY, S.CANCELLED}),
    S.PICKED_UP: frozenset({S.DELIVERED, S.FAILED}),
    S.DELIVERED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
TERMINAL = frozenset(s for s, nxt in _TRANSITIONS.items() if not nxt)


class InvalidTransition(Conflict):
    code: ClassVar[str] = "order.invalid_transition"


def allowed_next(current: OrderStatus, fulfilment: Fulfilment) -> frozenset[OrderStatus]:
    nxt = _TRANSITIONS[current]
    if current is S.READY and fulfilment is Fulfilment.DELIVERY:
        nxt = nxt - {S.DELIVERED}  # a delivery goes through a rider
    if current is S.READY and fulfilment is not Fulfilment.DELIVERY:
        nxt = nxt - {S.ASSIGNED}
    return nxt


def check_transition(current: OrderStatus, target: OrderStatus, fulfilment: Fulfilment) -> None:
    if target not in allowed_next(current, fulfilment):
        allowed = ", ".join(sorted(allowed_next(current, fulfilment))) or "none: the order is closed"
        raise InvalidTransition(f"an order that is {current} cannot become {target} (allowed: {allowed})")


def order_number_for(order_id: str) -> str:
    """A short number kitchen staff can call out, when the channel did not give one."""
    return order_id.replace("-", "")[:4].upper()
