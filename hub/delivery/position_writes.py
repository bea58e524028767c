"""Bulk writes of positions.

On PostgreSQL a group of fixes goes in with binary COPY into a session-local staging table, then
one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` moves them into the day partitions, so a
(rider, fix time) already stored is still skipped; the staging table empties itself at commit (and
on rollback it never held anything). The last positions travel as arrays turned back into rows by
``unnest``: a fixed statement text, one round trip. SQLite takes the executemany path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from hub.delivery.sql import dialect_insert, is_postgres, last_positions, positions

COLUMNS = ("rider_id", "fix_at", "lat", "lon", "speed_mps", "heading_deg", "accuracy_m", "received_at")
_PG_TYPES = ("varchar", "timestamptz", "float8", "float8", "float8", "float8", "float8", "timestamptz")
_UNNEST = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(COLUMNS, _PG_TYPES, strict=True))
_NAMES = ", ".join(COLUMNS)
# Statement texts built once from the constant column list above: no input is ever interpolated.
_PG_STAGE = text(
    "CREATE TEMP TABLE IF NOT EXISTS rider_positions_stage ("
    + ", ".join(f"{c} {t}" for c, t in zip(COLUMNS, _PG_TYPES, strict=True))
    + ") ON COMMIT DELETE ROWS"
)
_PG_COPY = f"COPY rider_positions_stage ({_NAMES}) FROM STDIN (FORMAT BINARY)"
_PG_FROM_STAGE = text(
    f"INSERT INTO rider_positions ({_NAMES}) SELECT {_NAMES} FROM rider_positions_stage "  # noqa: S608
    "ON CONFLICT DO NOTHING"
)
_PG_CLEAR_STAGE = text("DELETE FROM rider_positions_stage")
_PG_LAST = text(
    f"INSERT INTO rider_last_positions ({_NAMES}) SELECT * FROM unnest({_UNNEST}) "  # noqa: S608
    "ON CONFLICT (rider_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "rider_id")
    + " WHERE rider_last_positions.fix_at < excluded.fix_at"
)


def insert_positions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert fixes; a (rider_id, fix_at) already stored is skipped (replays are harmless)."""
    if is_postgres(session):
        _copy_positions(session, rows)
    else:
        session.execute(dialect_insert(session, positions).on_conflict_do_nothing(), list(rows))


def _copy_positions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(_PG_STAGE)
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cursor, cursor.copy(_PG_COPY) as copy:  # type: ignore[attr-defined]
        copy.set_types(list(_PG_TYPES))
        for row in rows:
            copy.write_row(tuple(row[c] for c in COLUMNS))
    session.execute(_PG_FROM_STAGE)
    session.execute(_PG_CLEAR_STAGE)  # a second group in the same transaction starts empty


def upsert_last_positions(session: Session, newest: Sequence[dict[str, Any]]) -> None:
    """One row per rider; an older fix never replaces a newer one."""
    if is_postgres(session):
        session.execute(_PG_LAST, _columns(newest))
        return
    upsert = dialect_insert(session, last_positions)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["rider_id"],
            set_={c: upsert.excluded[c] for c in COLUMNS if c != "rider_id"},
            where=last_positions.c.fix_at < upsert.excluded.fix_at,
        ),
        list(newest),
    )


def _columns(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in COLUMNS}
