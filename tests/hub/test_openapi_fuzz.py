"""Schemathesis over the hub's OpenAPI, on SQLite and PostgreSQL: no 5xx, no response outside its schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hub.app import create_app
from tests.databases import postgres_database, sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, seed_store

AUTH: dict[str, dict[str, str]] = {}


@pytest.fixture(params=["sqlite", "postgres"])
def fuzz_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def api_schema(fuzz_db: str, tmp_path: Path) -> Any:
    app = create_app(rest_settings(fuzz_db, tmp_path))
    with TestClient(app) as client:
        headers = login(client, make_admin(fuzz_db))
        seed_store(client, headers, store_id="s1")
    AUTH["headers"] = headers
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case: Any) -> None:
    if case.headers is None or "Authorization" not in case.headers:
        case.headers = {**(case.headers or {}), **AUTH["headers"]}
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]
    )
