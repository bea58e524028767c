"""Changing an order's lines while the kitchen can still act on it.

Lines that stay the same keep their id; the others are cancelled and the new ones added. Only the
stations concerned get a new ticket revision (the store prints a change ticket with NEW and
CANCELLED lines); a station left with nothing to cook gets a cancel ticket. The kitchen queues
those tickets on ``OrderLinesChanged``, in this transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from hub.db_types import utcnow
from hub.errors import Conflict, NotFound
from hub.kernel.messaging import Messaging
from hub.kernel.principal import Principal
from hub.orders.domain import OrderStatus
from hub.orders.events import OrderLinesChanged
from hub.orders.schemas import OrderLineIn
from hub.orders.service import kitchen_line, kitchen_view, line_row, lock_order, record_event, visible_order
from hub.orders.tables import Order, OrderLine
from hub.stores.api import RequestedLine, StoreCatalogs, price_lines

orders = Order.__table__  # type: ignore[attr-defined]
order_lines = OrderLine.__table__  # type: ignore[attr-defined]

CHANGEABLE = frozenset({OrderStatus.RECEIVED, OrderStatus.ACCEPTED, OrderStatus.COOKING})


def _key(sku: str, quantity: int, modifiers: list[str] | tuple[str, ...], note: str | None) -> tuple[Any, ...]:
    return (sku, quantity, tuple(modifiers), note or None)


def change_lines(
    session: Session,
    principal: Principal,
    order_id: str,
    wanted: list[OrderLineIn],
    messaging: Messaging,
    catalogs: StoreCatalogs | None = None,
) -> Order:
    visible_order(session, principal, order_id)
    order = lock_order(session, order_id)
    assert order is not None
    if OrderStatus(order.status) not in CHANGEABLE:
        raise Conflict(f"an order that is {order.status} can no longer be changed in the kitchen")
    catalog = (catalogs or StoreCatalogs(ttl_s=0)).get(session, order.store_id)
    if catalog is None:
        raise NotFound(f"no store {order.store_id!r}")
    priced = price_lines([RequestedLine(w.sku, w.quantity, tuple(w.modifiers), w.note) for w in wanted], catalog.menu)

    current = (
        session.execute(
            select(order_lines).where(order_lines.c.order_id == order.id, order_lines.c.cancelled.is_(False))
        )
        .mappings()
        .all()
    )
    unmatched: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for row in current:
        unmatched[_key(row["sku"], row["quantity"], row["modifiers"], row["note"])].append(row)
    added = []
    for line in priced.lines:
        same = unmatched.get(_key(line.sku, line.quantity, line.modifiers, line.note))
        if same:
            same.pop(0)  # unchanged: keeps its id, nothing to print
        else:
            added.append(line)
    cancelled = [row for rows in unmatched.values() for row in rows]
    if not added and not cancelled:
        return order

    now = utcnow()
    if cancelled:
        session.execute(
            update(order_lines).where(order_lines.c.id.in_([r["id"] for r in cancelled])).values(cancelled=True)
        )
    next_no = (
        session.execute(select(func.max(order_lines.c.line_no)).where(order_lines.c.order_id == order.id)).scalar() or 0
    ) + 1
    added_rows = [line_row(order.id, next_no + i, p) for i, p in enumerate(added)]
    if added_rows:
        session.execute(order_lines.insert(), added_rows)
    discount = min(order.discount_fen, priced.subtotal_fen)
    revision = order.revision + 1
    session.execute(
        update(orders)
        .where(orders.c.id == order.id)
        .values(
            subtotal_fen=priced.subtotal_fen,
            discount_fen=discount,
            total_fen=priced.subtotal_fen + order.delivery_fee_fen - discount,
            revision=revision,
            updated_at=now,
        )
    )
    order.revision = revision
    record_event(
        session,
        order.id,
        "order.lines_changed",
        actor=principal.label,
        at=now,
        data={
            "revision": revision,
            "added": [{"sku": p.sku, "quantity": p.quantity} for p in added],
            "cancelled": [{"sku": r["sku"], "quantity": r["quantity"]} for r in cancelled],
        },
    )

    view, names = kitchen_view(session, order)
    changed = OrderLinesChanged(
        order=view,
        station_names=names,
        revision=revision,
        added=tuple(kitchen_line(r) for r in added_rows),
        cancelled=tuple(kitchen_line(r) for r in sorted(cancelled, key=lambda r: r["line_no"])),
        at=now,
        root=messaging.root,
        source=messaging.source,
    )
    messaging.events.publish(session, changed)
    session.flush()
    session.refresh(order)  # totals were updated with Core statements
    return order
