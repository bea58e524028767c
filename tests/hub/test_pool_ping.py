"""A pooled connection is pinged only after sitting idle, and one dropped while idle is replaced
(PostgreSQL, real backends terminated by the server)."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub import pool_ping
from hub.db import Database
from hub.pool_ping import IDLE_PING_S

pytestmark = pytest.mark.integration


def _database(pg_url: str) -> tuple[Database, str]:
    name = f"ping-{uuid.uuid4().hex[:8]}"
    url = make_url(pg_url).update_query_dict({"application_name": name})
    return Database.from_url(url.render_as_string(hide_password=False), pool_size=2), name


def _pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = db.engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        calls.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return calls


def test_a_connection_dropped_while_idle_is_replaced_before_use(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db, name = _database(pg_url)
    pings = _pings(db, monkeypatch)
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with db.engine.connect() as conn:
            first_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            killed = conn.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"),
                {"n": name},
            ).scalar()
        assert killed == 1
        later = time.monotonic() + IDLE_PING_S + 1  # the pooled connection has now sat idle long enough
        monkeypatch.setattr(pool_ping, "monotonic", lambda: later)

        with db.engine.connect() as conn:  # the ping fails, the pool opens another connection
            second_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second_pid != first_pid
        assert len(pings) == 1
    finally:
        db.dispose()
        admin.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_ping(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = _database(pg_url)
    pings = _pings(db, monkeypatch)
    try:
        for _ in range(20):
            with db.session() as session:
                assert session.execute(text("SELECT 1")).scalar() == 1
        assert pings == []
    finally:
        db.dispose()
