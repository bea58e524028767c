"""The analytics rollup tests' data: the generated chain loaded into SQLite and into PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics.generated_data import generate, load


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        e = create_engine(sqlite_database(tmp_path))
        load(e, generate())
        yield e
        e.dispose()
        return
    with postgres_database() as url:
        e = create_engine(url)
        load(e, generate())
        yield e
        e.dispose()
