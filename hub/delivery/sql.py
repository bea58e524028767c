"""Core table handles and the dialect's INSERT (for ON CONFLICT) used by the delivery domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.delivery.tables import Delivery, Rider, RiderLastPosition, RiderPositionRecord, RoutePlanRecord, StoreDispatch
from hub.orders.api import orders_table

riders = Rider.__table__  # type: ignore[attr-defined]
positions = RiderPositionRecord.__table__  # type: ignore[attr-defined]
last_positions = RiderLastPosition.__table__  # type: ignore[attr-defined]
deliveries = Delivery.__table__  # type: ignore[attr-defined]
route_plans = RoutePlanRecord.__table__  # type: ignore[attr-defined]
store_dispatch = StoreDispatch.__table__  # type: ignore[attr-defined]
orders = orders_table


def dialect_insert(conn: Session | Connection, table: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_nothing/do_update`` for the connection's database."""
    dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def is_postgres(conn: Session | Connection) -> bool:
    dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
    return dialect.name == "postgresql"
