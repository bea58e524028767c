"""Points from orders: earned when placed, reversed on cancellation, refunds and failures.

Called by the order feed for each order event (at least once). Every entry's key names its
cause, so a replayed event posts nothing; amounts are computed from the ledger itself, so the
order of arrival does not matter: an order already cancelled when its ``order.placed`` is
seen earns nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.api import CrmConfig
from hub.loyalty.ledger import order_entry, order_net, post

Conn = Connection | Session
CLOSED_UNPAID = ("cancelled", "failed")
EARNED_KINDS = ("earn", "refund", "reverse")
SPENT_KINDS = ("spend", "unspend")


def points_for(total_fen: int, config: CrmConfig) -> int:
    """Whole yuan paid times the rate: 38.50 yuan earns 38 points at 1 point per yuan."""
    return max(0, total_fen // 100) * config.points_per_yuan


def earn_for_order(conn: Conn, order: Any, config: CrmConfig, at: datetime) -> None:
    if order.customer_id is None or order.status in CLOSED_UNPAID:
        return
    post(
        conn,
        customer_id=order.customer_id,
        delta=points_for(order.total_fen, config),
        kind="earn",
        key=f"earn:{order.id}",
        order_id=order.id,
        note=f"order {order.order_number}",
        at=at,
    )


def reverse_for_order(conn: Conn, order: Any, at: datetime) -> None:
    """Cancelled or failed: take back what the order still holds, give back the points it used."""
    if order.customer_id is None:
        return
    held = order_net(conn, order.id, EARNED_KINDS)
    if held > 0:
        post(
            conn,
            customer_id=order.customer_id,
            delta=-held,
            kind="reverse",
            key=f"reverse:{order.id}",
            order_id=order.id,
            note=f"order {order.order_number} {order.status}",
            at=at,
        )
    used = order_net(conn, order.id, SPENT_KINDS)
    if used < 0:
        post(
            conn,
            customer_id=order.customer_id,
            delta=-used,
            kind="unspend",
            key=f"unspend:{order.id}",
            order_id=order.id,
            note=f"points returned: order {order.order_number} {order.status}",
            at=at,
        )


def refund_for_order(conn: Conn, order: Any, event_id: int, amount_fen: int | None, at: datetime) -> None:
    """A (partial) refund takes back the points earned on the refunded share."""
    if order.customer_id is None:
        return
    earned = order_entry(conn, f"earn:{order.id}") or 0
    held = order_net(conn, order.id, EARNED_KINDS)
    if earned <= 0 or held <= 0:
        return
    if amount_fen is None or order.total_fen <= 0 or amount_fen >= order.total_fen:
        share = held
    else:
        share = min(held, earned * max(0, amount_fen) // order.total_fen)
    post(
        conn,
        customer_id=order.customer_id,
        delta=-share,
        kind="refund",
        key=f"refund:{event_id}",
        order_id=order.id,
        note=f"refund on order {order.order_number}",
        at=at,
    )
