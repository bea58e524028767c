"""The few SQL expressions that differ between PostgreSQL and SQLite, in one place.

PostgreSQL converts time zones itself; on SQLite (the embedded, single-process mode) the same
expressions call small Python functions registered on the connection, so both give exact local
hours in any zone, daylight saving included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, String, any_, func, literal, literal_column, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.db_types import UTCDateTime

AnyConn = Connection | Session


def dialect_name(conn: AnyConn) -> str:
    return conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name


def is_postgres(conn: AnyConn) -> bool:
    return dialect_name(conn) == "postgresql"


def insert_for(conn: AnyConn) -> Callable[..., Any]:
    """The dialect's INSERT with ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    return postgresql.insert if is_postgres(conn) else sqlite.insert


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _parse(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _local_hour(value: str | None, zone: str | None) -> int | None:
    moment = _parse(value)
    if moment is None:
        return None
    return moment.astimezone(_zone(zone or "UTC")).hour


def _local_date(value: str | None, zone: str | None) -> str | None:
    moment = _parse(value)
    if moment is None:
        return None
    return moment.astimezone(_zone(zone or "UTC")).date().isoformat()


def _predict_next(first: str | None, last: str | None, count: int | None) -> str | None:
    start, end = _parse(first), _parse(last)
    if start is None or end is None or not count or count < 2:
        return None
    return (end + (end - start) / (count - 1)).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def prepare(conn: AnyConn) -> None:
    """Register the SQLite functions on this connection (PostgreSQL needs nothing)."""
    if is_postgres(conn):
        return
    connection = conn.connection() if isinstance(conn, Session) else conn
    pooled = connection.connection
    if pooled.info.get("brigade_functions"):  # redefining a function while a statement is open fails
        return
    raw = pooled.dbapi_connection
    assert raw is not None
    raw.create_function("brigade_local_hour", 2, _local_hour, deterministic=True)
    raw.create_function("brigade_predict_next", 3, _predict_next, deterministic=True)
    raw.create_function("brigade_local_date", 2, _local_date, deterministic=True)
    pooled.info["brigade_functions"] = True


def local_hour(conn: AnyConn, moment: Any, zone: Any) -> ColumnElement[int]:
    """The hour (0-23) of a UTC timestamp column in the given zone column or value."""
    if is_postgres(conn):
        return func.cast(func.extract("hour", func.timezone(zone, moment)), Integer)
    return func.brigade_local_hour(moment, zone, type_=Integer)


def local_date(conn: AnyConn, moment: Any, zone: Any) -> ColumnElement[Any]:
    """The local calendar day of a UTC timestamp in the given zone: a date (PostgreSQL) or ISO text (SQLite).

    Only compared and counted, never read back: the two spellings never meet.
    """
    if is_postgres(conn):
        return func.date(func.timezone(zone, moment))
    return func.brigade_local_date(moment, zone)


def predicted_next(conn: AnyConn, first: Any, last: Any, count: Any) -> ColumnElement[datetime]:
    """last + (last - first) / (count - 1); NULL for fewer than two (purchase days)."""
    if is_postgres(conn):
        end, start = func.extract("epoch", last), func.extract("epoch", first)
        return func.to_timestamp(end + (end - start) / func.nullif(count - 1, 0), type_=UTCDateTime)
    return func.brigade_predict_next(first, last, count, type_=UTCDateTime)


def one_of(conn: AnyConn, column: Any, values: Sequence[Any], item: Any = String) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)`` of ``item``: one bound value however long
    the list, and the same statement text for any length (prepared once, not parsed again per batch).

    (A thousand separate parameters cost more to bind than the statement costs to run.)
    """
    if is_postgres(conn):
        return column == any_(literal(list(values), postgresql.ARRAY(item)))  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]


def random_code(conn: AnyConn) -> ColumnElement[str]:
    """16 random upper-case hex characters (64 bits): coupon codes made in bulk by the database."""
    if is_postgres(conn):
        return literal_column("upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 16))")
    return literal_column("upper(hex(randomblob(8)))")


def set_local_work_mem(conn: AnyConn, megabytes: int = 256) -> None:
    """Large aggregations and sorts stay in memory (PostgreSQL; for this transaction only)."""
    if is_postgres(conn):
        conn.execute(text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))
        conn.execute(text("SET LOCAL jit = off"))


def refresh_planner_stats(conn: AnyConn, *table_names: str) -> None:
    """ANALYZE tables a whole-population pass has just reshaped (PostgreSQL; SQLite plans without).

    Autovacuum runs after the transaction, too late for the statements that follow in it: a
    table just filled with a million rows but still known as empty gets joined by nested loops
    over sequential scans, and an anti-join that takes a second takes hours.
    """
    if is_postgres(conn):
        for name in table_names:
            conn.execute(text(f'ANALYZE "{name}"'))


def execute_count(conn: AnyConn, statement: Any) -> int:
    """Run an INSERT/UPDATE/DELETE and return the rows it touched (kept for inserts too)."""
    result = conn.execute(statement.execution_options(preserve_rowcount=True))
    return max(int(result.rowcount or 0), 0)  # type: ignore[attr-defined]


def open_write_transaction(conn: AnyConn) -> None:
    """Make SQLite's driver BEGIN now, so that SAVEPOINTs nest inside the transaction.

    pysqlite begins a transaction only before a data-changing statement; a SAVEPOINT issued first
    would stand alone and its RELEASE would commit. (PostgreSQL needs nothing.)
    """
    if not is_postgres(conn):
        conn.execute(text("UPDATE crm_state SET key = key WHERE 0 = 1"))
