"""Migrations bring a blank SQLite and a blank PostgreSQL to head, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from hub.db import Database
from hub.migrate import alembic_config, drift, upgrade
from hub.tables import metadata
from tests.databases import postgres_database

pytestmark = pytest.mark.integration


def _check(url: str) -> None:
    db = Database.from_url(url)
    try:
        upgrade(db.engine)
        assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
        assert drift(db.engine) == [], "models changed: run `brigade-hub makemigration <message>`"
        upgrade(db.engine)  # idempotent
    finally:
        db.dispose()


def test_blank_sqlite_to_head_without_drift(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'blank.sqlite3'}")


def test_blank_postgres_to_head_without_drift() -> None:
    with postgres_database(migrate=False) as url:
        _check(url)


def test_the_migrations_have_one_head() -> None:
    """Two heads mean a release whose schema depends on upgrade order; a merge revision joins them."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"merge these heads: {heads}"
