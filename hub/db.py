"""Engine and sessions: built from settings by ``Database.from_settings``, never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from hub.pool_ping import ping_after_idle


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10, sqlite_busy_timeout_s: float = 30.0) -> Database:
        parsed = make_url(url)
        # Statement parameters carry customers' phones and notes: never in an error, so never in a log.
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": sqlite_busy_timeout_s}
        else:
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        engine = create_engine(parsed, **kwargs)
        ping_after_idle(engine)
        if engine.dialect.name == "sqlite":
            busy_ms = int(sqlite_busy_timeout_s * 1000)
            event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, busy_ms))
            event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
        return cls(engine=engine, sessions=sessionmaker(engine, class_=Session, expire_on_commit=False))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()
    # A write transaction takes the write lock when it begins (BEGIN IMMEDIATE), waiting for it up to
    # the busy timeout. A deferred one that has read first cannot wait: when another connection wrote
    # in between, its snapshot is stale and SQLite answers "database is locked" at once. pysqlite
    # still runs the reads before a transaction's first write outside it, so readers never queue.
    dbapi_connection.isolation_level = "IMMEDIATE"


def _sqlite_begin_before_savepoint(conn: Any, _name: str) -> None:
    """A SAVEPOINT outside a transaction would open a deferred one (pysqlite begins only before DML)."""
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # through SQLAlchemy: a timeout is its OperationalError
