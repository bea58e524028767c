"""Schemathesis over the hub's OpenAPI, on SQLite and PostgreSQL: no 5xx, no response outside its schema.

As admin on both databases; then as every other role (a store manager of one store, a channel's API
key, a device) on SQLite with a few examples per operation, so the 403s, 404s and masked answers are
fuzzed too."""

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
from tests.hub.seed import login, make_admin, order_body, seed_store

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
@pytest.mark.timeout(900)  # one test for every operation (boundary cases included): longer on a busy machine
def test_no_server_errors_and_responses_match_the_schema(case: Any) -> None:
    if case.headers is None or "Authorization" not in case.headers:
        case.headers = {**(case.headers or {}), **AUTH["headers"]}
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]
    )


ROLE_AUTH: dict[str, dict[str, str]] = {}
OTHER_ROLES = ("operator", "store_manager", "marketer", "finance", "channel", "device")


def _role_headers(client: TestClient, admin: dict[str, str], role: str) -> dict[str, str]:
    if role == "channel":
        r = client.post("/api-keys", json={"name": "美团", "channel": "meituan", "store_ids": ["s1"]}, headers=admin)
        return {"X-API-Key": r.json()["key"]}
    if role == "device":
        r = client.post(
            "/devices", json={"device_id": "edge-s1", "kind": "edge_agent", "store_id": "s1"}, headers=admin
        )
        token = client.post("/auth/device-token", json={"device_id": "edge-s1", "secret": r.json()["secret"]})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}
    stores = ["s1"] if role == "store_manager" else None
    body = {"username": f"fuzz-{role}", "password": "long-enough-pw", "role": role, "store_ids": stores}
    assert client.post("/users", json=body, headers=admin).status_code == 201
    return login(client, f"fuzz-{role}", "long-enough-pw")


@pytest.fixture
def role_schema(tmp_path: Path) -> Any:
    """A hub on SQLite with two stores and a customer in each; every other role's credentials in ROLE_AUTH."""
    url = sqlite_database(tmp_path)
    app = create_app(rest_settings(url, tmp_path))
    with TestClient(app) as client:
        admin = login(client, make_admin(url))
        for store in ("s1", "s2"):
            seed_store(client, admin, store_id=store)
            client.post("/orders", json=order_body(store, customer={"phone": f"1390000{store[-1]}000"}), headers=admin)
        for role in OTHER_ROLES:
            ROLE_AUTH[role] = _role_headers(client, admin, role)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.phases.coverage.enabled = False  # its boundary cases (dozens per operation) are the admin run's
    return schema


role_schema_cases = schemathesis.pytest.from_fixture("role_schema")


@role_schema_cases.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.timeout(900)  # one test for every operation: under a minute of CPU, longer on a busy machine
def test_every_role_gets_no_server_errors_and_answers_match_the_schema(case: Any) -> None:
    """Each generated request is sent once as every role."""
    sent = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ("authorization", "x-api-key")}
    for role in OTHER_ROLES:
        case.headers = {**sent, **ROLE_AUTH[role]}
        try:
            case.call_and_validate(
                checks=[
                    not_a_server_error,
                    response_schema_conformance,
                    content_type_conformance,
                    status_code_conformance,
                ]
            )
        except Exception as exc:
            exc.add_note(f"as {role}")
            raise
