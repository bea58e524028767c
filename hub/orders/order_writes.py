"""Writing a new order: its row, lines and first event (its kitchen tickets follow from ``OrderPlaced``).

On PostgreSQL all of it is one statement (data-modifying CTEs hanging off the order's
``INSERT ... ON CONFLICT DO NOTHING``): one round trip, and when a concurrent request already
holds the idempotency key nothing at all is written. Elsewhere (SQLite) the same rows go in as
Core statements, the lines as one executemany.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, text
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from hub.orders.tables import Order, OrderEvent, OrderLine

orders = Order.__table__  # type: ignore[attr-defined]
order_lines = OrderLine.__table__  # type: ignore[attr-defined]
order_events = OrderEvent.__table__  # type: ignore[attr-defined]

ORDER_COLUMNS = (
    "id", "store_id", "channel", "external_id", "key_scope", "request_hash", "order_number", "customer_id",
    "status", "fulfilment", "subtotal_fen", "delivery_fee_fen", "discount_fen", "total_fen", "currency", "notes",
    "delivery_address", "delivery_lat", "delivery_lon", "promised_at", "placed_at", "updated_at", "revision",
)  # fmt: skip

_PG_WRITE = text(  # the column names come from ORDER_COLUMNS above; every value is bound
    f"""
WITH o AS (
    INSERT INTO orders ({", ".join(ORDER_COLUMNS)})
    VALUES ({", ".join(":" + c for c in ORDER_COLUMNS)})
    ON CONFLICT (channel, key_scope, external_id) DO NOTHING
    RETURNING id
), l AS (
    INSERT INTO order_lines (id, order_id, line_no, sku, name, quantity, unit_price_fen, total_fen,
                             modifiers, note, station_codes, allergens, cancelled)
    SELECT u.id, o.id, u.line_no, u.sku, u.name, u.quantity, u.unit_price_fen, u.total_fen,
           u.modifiers, u.note, u.station_codes, u.allergens, false
    FROM o, json_to_recordset(CAST(:lines AS json))
         AS u(id text, line_no int, sku text, name text, quantity int, unit_price_fen int, total_fen int,
              modifiers json, note text, station_codes json, allergens json)
), e AS (
    INSERT INTO order_events (order_id, type, at, actor, data)
    SELECT o.id, 'order.placed', :updated_at, :actor, CAST(:event_data AS json) FROM o
)
SELECT id FROM o
"""  # noqa: S608
).columns(id=String)  # declared: the result's columns are known once, not per execution


@dataclass(frozen=True)
class NewOrder:
    """Everything one new order writes."""

    values: dict[str, Any]
    """The order row (``ORDER_COLUMNS``)."""
    lines: list[dict[str, Any]]
    event_data: dict[str, Any]
    actor: str


def write_order(session: Session, new: NewOrder, *, at: datetime) -> bool:
    """Write the order, its lines and first event; False (and nothing written) when its idempotency
    key is taken already."""
    if session.get_bind().dialect.name == "postgresql":
        return _write_postgres(session, new)
    return _write_core(session, new, at=at)


def _write_postgres(session: Session, new: NewOrder) -> bool:
    lines = [{k: v for k, v in r.items() if k != "cancelled"} for r in new.lines]
    params: dict[str, Any] = {
        **new.values,
        "actor": new.actor,
        "event_data": json.dumps(new.event_data, ensure_ascii=False),
        # the lines as one JSON array (json_to_recordset): far cheaper to send than eleven typed arrays
        "lines": json.dumps(lines, ensure_ascii=False),
    }
    return session.execute(_PG_WRITE, params).scalar() is not None


def _write_core(session: Session, new: NewOrder, *, at: datetime) -> bool:
    inserted = session.execute(
        sqlite.insert(orders)
        .values(**new.values)
        .on_conflict_do_nothing(index_elements=["channel", "key_scope", "external_id"])
        .returning(orders.c.id)
    ).scalar()
    if inserted is None:
        return False
    session.execute(order_lines.insert(), new.lines)
    session.execute(
        order_events.insert().values(
            order_id=new.values["id"], type="order.placed", at=at, actor=new.actor, data=new.event_data
        )
    )
    return True
