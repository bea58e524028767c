"""Databases for tests: a PostgreSQL database of the run's own, or a fresh SQLite file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.db import Database
from hub.migrate import upgrade
from tests import services


def _admin_engine():  # type: ignore[no-untyped-def]
    url = make_url(services.PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def postgres_available() -> bool:
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def postgres_database(migrate: bool = True) -> Iterator[str]:
    """A new database on the machine's PostgreSQL, dropped afterwards. Yields its URL."""
    if not postgres_available():
        services.missing(f"no PostgreSQL at {services.PG_ADMIN_URL}")
    name = f"brigade_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(services.PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        if migrate:
            db = Database.from_url(url_text)
            upgrade(db.engine)
            db.dispose()
        yield url_text
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_database(directory: Path, migrate: bool = True) -> str:
    url = f"sqlite:///{directory / 'brigade.sqlite3'}"
    if migrate:
        db = Database.from_url(url)
        upgrade(db.engine)
        db.dispose()
    return url
