"""Day partitions of ``rider_positions`` on PostgreSQL (a no-op on SQLite).

The migration makes ``rider_positions`` a table partitioned by range of ``fix_at`` with a DEFAULT
partition; this job attaches one partition per UTC day ahead of time (yesterday to a few days on)
and, when a retention is set, drops whole days past it (a DROP TABLE, not a DELETE of millions of
rows). Partitions live in the ``brigade_parts`` schema. Should fixes for a day land in the default
partition before that day's partition exists (a hub down over midnight), they are moved into it
when it is created, in the same transaction. Hub processes serialise on an advisory lock.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

SCHEMA = "brigade_parts"
DEFAULT_PARTITION = f"{SCHEMA}.rider_positions_default"
_LOCK_KEY = 0x6272_6967_6164  # "brigad": one advisory lock for partition maintenance
_DAY = re.compile(r"^rider_positions_p(\d{8})$")


def partition_name(day: date) -> str:
    return f"rider_positions_p{day:%Y%m%d}"


def _bounds(day: date) -> tuple[str, str]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


def is_partitioned(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('rider_positions')")).scalar()
    return kind == "p"


def existing_days(engine: Engine) -> list[date]:
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass('rider_positions')"
            )
        ).scalars()
        return sorted(datetime.strptime(m.group(1), "%Y%m%d").date() for n in names if (m := _DAY.match(n)))  # noqa: DTZ007


def ensure_day_partitions(engine: Engine, today: date, *, days_ahead: int = 3, days_behind: int = 1) -> list[str]:
    """Create the missing day partitions in [today - behind, today + ahead]; the names created."""
    if not is_partitioned(engine):
        return []
    have = set(existing_days(engine))
    created = []
    for offset in range(-days_behind, days_ahead + 1):
        day = today + timedelta(days=offset)
        if day in have:
            continue
        name = f"{SCHEMA}.{partition_name(day)}"
        low, high = _bounds(day)
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            if conn.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
                continue  # another hub process made it meanwhile
            conn.execute(text(f"CREATE TABLE {name} (LIKE rider_positions INCLUDING DEFAULTS)"))
            moved = conn.execute(
                text(  # the names are built from a date, never from input
                    f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE fix_at >= :low AND fix_at < :high "  # noqa: S608
                    f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
                ),
                {"low": low, "high": high},
            ).rowcount
            conn.execute(
                text(f"ALTER TABLE rider_positions ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')")
            )
        created.append(name)
        logger.info("attached position partition %s (%d fixes moved from the default partition)", name, moved)
    return created


def drop_expired_partitions(engine: Engine, today: date, keep_days: int) -> list[str]:
    """Drop whole days older than ``keep_days`` before today; the names dropped."""
    if not is_partitioned(engine):
        return []
    dropped = []
    for day in existing_days(engine):
        if day >= today - timedelta(days=keep_days):
            continue
        name = f"{SCHEMA}.{partition_name(day)}"
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        dropped.append(name)
        logger.info("dropped position partition %s (retention %d days)", name, keep_days)
    return dropped
