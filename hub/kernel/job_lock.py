"""PostgreSQL advisory locks: one hub process runs a scheduled job at a time.

Nothing depends on the lock for correctness (every grant and ledger entry has a unique key);
it saves the second process the work. On SQLite (one process) the lock is always granted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.kernel.sql_dialect import is_postgres


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"brigade:{name}".encode()).digest()[:8], "big", signed=True)


def try_transaction_lock(conn: Connection | Session, name: str) -> bool:
    """Held until the current transaction ends; False when another process holds it."""
    if not is_postgres(conn):
        return True
    return bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(name)}).scalar())


@contextmanager
def session_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Held for a job that spans several transactions; yields False when another process holds it."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(name)}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(name)})
                conn.commit()
