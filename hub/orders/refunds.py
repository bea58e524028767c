"""Refunds: money given back on an order, whole or in part, recorded as ``order.refunded`` events.

The order keeps its state (a delivered order stays delivered); the event carries the amount, and
the CRM's order feed takes back the points earned on the refunded share. Each refund has a key
chosen by the caller (a payment reference, a ticket number): the same key twice is the same
refund, never a second one. The sum of an order's refunds never exceeds what was paid.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput
from hub.kernel.principal import Principal
from hub.orders.domain import OrderStatus
from hub.orders.schemas import RefundOut
from hub.orders.service import lock_order, record_event, visible_order
from hub.orders.tables import OrderEvent

events = OrderEvent.__table__  # type: ignore[attr-defined]
NOT_PAID = frozenset({OrderStatus.CANCELLED, OrderStatus.FAILED})
REFUNDED = "order.refunded"


def _refunds(session: Session, order_id: str) -> list[Any]:
    return list(
        session.execute(
            select(events.c.data, events.c.at).where(events.c.order_id == order_id, events.c.type == REFUNDED)
        ).all()
    )


def refund_order(
    session: Session, principal: Principal, order_id: str, *, key: str, amount_fen: int, reason: str
) -> tuple[RefundOut, bool]:
    """Record a refund: (the refund, created); the caller commits. Raises Conflict when the order was never paid or the
    amount exceeds what is left, InvalidInput when a key is reused for a different amount."""
    visible_order(session, principal, order_id)
    order = lock_order(session, order_id)  # concurrent refunds of one order queue here
    assert order is not None
    if OrderStatus(order.status) in NOT_PAID:
        raise Conflict(f"an order that is {order.status} was not paid: nothing to refund")
    done = _refunds(session, order_id)
    total = sum(int(r.data.get("amount_fen", 0)) for r in done)
    for row in done:
        if row.data.get("key") == key:
            if int(row.data.get("amount_fen", 0)) != amount_fen:
                raise InvalidInput(f"refund {key!r} was {row.data.get('amount_fen')} fen, not {amount_fen}")
            first = RefundOut(
                order_id=order_id,
                key=key,
                amount_fen=amount_fen,
                reason=str(row.data.get("reason", "")),
                at=row.at,
                refunded_total_fen=total,
            )
            return first, False
    left = order.total_fen - total
    if amount_fen > left:
        raise Conflict(f"only {left} fen of {order.total_fen} is left to refund on this order")
    now = utcnow()
    data = {"key": key, "amount_fen": amount_fen, "reason": reason}
    record_event(session, order_id, REFUNDED, actor=principal.label, at=now, data=data)
    return RefundOut(
        order_id=order_id, key=key, amount_fen=amount_fen, reason=reason, at=now, refunded_total_fen=total + amount_fen
    ), True
