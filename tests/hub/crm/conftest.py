from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.db import Database
from tests.databases import postgres_database, sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.crm.builders import World


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own (the CRM's jobs work over every customer)."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def pg_fresh_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def world(fresh_url: str) -> Iterator[World]:
    db = Database.from_url(fresh_url, pool_size=5)
    try:
        yield World(db)
    finally:
        db.dispose()


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    """A hub over REST (jobs off: the test runs them) and direct access to its database."""
    app = create_app(rest_settings(sqlite_url, tmp_path))
    with TestClient(app) as client:
        yield client, World(app.state.ctx.db)
