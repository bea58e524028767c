"""Local calendar days in SQL: each order's day in its store's zone, on PostgreSQL and SQLite.

``hub.kernel.sql_dialect.local_date`` gives a date on PostgreSQL and ISO text on SQLite; this
module compares and reads both spellings the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, func, literal, true
from sqlalchemy.sql.expression import FromClause

from hub.analytics import sources as src
from hub.analytics.scope import Scope
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import AnyConn, is_postgres, local_date

EARLIEST_OFFSET = timedelta(hours=14)
"""A local day starts at most 14 h before UTC midnight (UTC+14) ..."""
LATEST_OFFSET = timedelta(hours=12)
"""... and ends at most 12 h after the next one (UTC-12)."""


def order_day(conn: AnyConn) -> ColumnElement[Any]:
    """The order's local day in its store's zone (needs ``stores`` joined)."""
    return local_date(conn, src.orders.c.placed_at, src.stores.c.timezone)


def day_value(conn: AnyConn, day: date) -> ColumnElement[Any]:
    """A day literal comparable with :func:`order_day`."""
    return literal(day, Date) if is_postgres(conn) else literal(day.isoformat())


def read_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def month_of(conn: AnyConn, day: ColumnElement[Any]) -> ColumnElement[str]:
    """'YYYY-MM' of a local day expression."""
    if is_postgres(conn):
        return func.to_char(day, "YYYY-MM")
    return func.substr(day, 1, 7)


def utc_window(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    """UTC instants that surely contain these local days in any zone (lets the index narrow first)."""
    start = datetime.combine(day_from, time(), UTC) - EARLIEST_OFFSET
    end = datetime.combine(day_to + timedelta(days=1), time(), UTC) + LATEST_OFFSET
    return start, end


def orders_with_stores() -> FromClause:
    joined: FromClause = src.orders.join(src.stores, src.stores.c.id == src.orders.c.store_id)
    return joined


def counted() -> ColumnElement[bool]:
    condition: ColumnElement[bool] = src.orders.c.status.not_in(src.NOT_COUNTED)
    return condition


def in_stores(scope: Scope, column: Any) -> ColumnElement[bool]:
    if scope.store_ids is None:
        return true()
    return column.in_(list(scope.store_ids))  # type: ignore[no-any-return]


def in_days(conn: AnyConn, scope: Scope, *, counted_only: bool = True) -> ColumnElement[bool]:
    """Orders (counted ones only, unless told) of the scope's stores placed on the scope's local days."""
    first = scope.day_from
    start, end = utc_window(first, scope.day_to)
    day = order_day(conn)
    return and_(
        counted() if counted_only else true(),
        in_stores(scope, src.orders.c.store_id),
        src.orders.c.placed_at >= literal(start, UTCDateTime),
        src.orders.c.placed_at < literal(end, UTCDateTime),
        day >= day_value(conn, first),
        day <= day_value(conn, scope.day_to),
    )
