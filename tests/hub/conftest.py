from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.settings import HubSettings
from mqttlink import MqttSettings
from tests.databases import postgres_database, sqlite_database
from tests.hub.seed import SeededStore, login, make_admin, seed_store


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One PostgreSQL database for the whole run, migrated to head, dropped at the end."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return sqlite_database(tmp_path)


def rest_settings(database_url: str, tmp_path: Path, **changes: object) -> HubSettings:
    """A hub without MQTT: REST only."""
    values: dict[str, object] = dict(
        database_url=database_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret-of-at-least-thirty-two-bytes",
        run_relay=False,
        run_bridge=False,
        run_jobs=False,
    )
    values.update(changes)
    return HubSettings(**values)  # type: ignore[arg-type]


def mqtt_settings(database_url: str, tmp_path: Path, mqtt: MqttSettings, **changes: object) -> HubSettings:
    return rest_settings(
        database_url,
        tmp_path,
        run_relay=True,
        run_bridge=True,
        run_jobs=True,
        mqtt=mqtt.model_copy(update={"client_id": f"{mqtt.client_id}-hub", "shared_group": "hub"}),
        **changes,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_database(tmp_path)
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(rest_settings(sqlite_url, tmp_path))) as c:
        yield c


@pytest.fixture
def admin_headers(client: TestClient, sqlite_url: str) -> dict[str, str]:
    return login(client, make_admin(sqlite_url))


@pytest.fixture
def store(client: TestClient, admin_headers: dict[str, str]) -> SeededStore:
    return seed_store(client, admin_headers)


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """A PostgreSQL database of the test's own (for tests whose relay would publish others' rows)."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def bridged_hub(
    fresh_pg_url: str, mosquitto_settings: MqttSettings, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A hub on PostgreSQL with its relay, bridge and jobs on the machine's Mosquitto; an admin's headers."""
    app = create_app(mqtt_settings(fresh_pg_url, tmp_path, mosquitto_settings))
    with TestClient(app) as client:
        yield client, login(client, make_admin(fresh_pg_url))
