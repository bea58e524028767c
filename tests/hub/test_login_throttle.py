"""Signing in: wrong passwords are throttled per username and per address, with backoff, and audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.auth.settings import AuthSettings
from tests.databases import postgres_database, sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import ADMIN_PASSWORD, login, make_admin

pytestmark = pytest.mark.integration
T0 = datetime(2025, 6, 30, 4, 0, tzinfo=UTC)


@dataclass
class Clock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@dataclass
class Hub:
    client: TestClient
    clock: Clock
    admin: str
    admin_headers: dict[str, str]
    db_url: str

    def sign_in(self, username: str, password: str) -> httpx.Response:
        return self.client.post("/auth/token", data={"username": username, "password": password})


@pytest.fixture(params=["sqlite", "postgres"])
def own_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: the throttle's rows are per address, and every test is "testclient"."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def hub(own_db_url: str, tmp_path: Path) -> Iterator[Hub]:
    auth = AuthSettings(user_free_failures=5, address_free_failures=12, backoff_base_s=1, backoff_max_s=60)
    app = create_app(rest_settings(own_db_url, tmp_path, auth=auth))
    clock = Clock()
    app.state.ctx.clock = clock.now
    with TestClient(app) as client:
        admin = make_admin(own_db_url)
        yield Hub(client, clock, admin, login(client, admin), own_db_url)


def test_wrong_passwords_back_off_and_a_throttled_login_is_429_with_retry_after(hub: Hub) -> None:
    statuses = [hub.sign_in(hub.admin, f"wrong-{i}").status_code for i in range(6)]
    assert statuses == [401] * 6, "five free failures; the sixth is checked and starts the backoff"

    throttled = hub.sign_in(hub.admin, ADMIN_PASSWORD)
    assert throttled.status_code == 429, "even the right password waits out the backoff"
    assert throttled.headers["content-type"] == "application/problem+json"
    assert throttled.headers["retry-after"] == "1"
    assert throttled.json()["code"] == "auth.throttled"

    hub.clock.advance(1)
    assert hub.sign_in(hub.admin, "wrong-again").status_code == 401
    again = hub.sign_in(hub.admin, ADMIN_PASSWORD)
    assert again.status_code == 429 and again.headers["retry-after"] == "2", "each wait doubles"

    hub.clock.advance(2)
    assert hub.sign_in(hub.admin, ADMIN_PASSWORD).status_code == 200
    after = [hub.sign_in(hub.admin, f"wrong-{i}").status_code for i in range(5)]
    assert after == [401] * 5, "a correct password starts the count afresh"


def test_the_throttle_is_per_username_and_other_users_still_sign_in(hub: Hub) -> None:
    for i in range(7):
        hub.sign_in(hub.admin, f"wrong-{i}")
    assert hub.sign_in(hub.admin, ADMIN_PASSWORD).status_code == 429
    assert hub.sign_in(hub.admin.upper(), ADMIN_PASSWORD).status_code == 429, "usernames are one key whatever the case"
    other = make_admin(hub.db_url)
    assert hub.sign_in(other, ADMIN_PASSWORD).status_code == 200


def test_one_address_guessing_many_usernames_is_throttled_too(hub: Hub) -> None:
    statuses = [hub.sign_in(f"nobody-{i}", "guess-guess-guess").status_code for i in range(13)]
    assert statuses == [401] * 13, "twelve free from one address; the 13th starts its backoff"
    refused = hub.sign_in("someone-new", "guess-guess-guess")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"


def test_failed_sign_ins_are_in_the_audit_log(hub: Hub) -> None:
    hub.sign_in(hub.admin, "not-the-password")
    hub.sign_in("ghost", "not-the-password")
    r = hub.client.get("/audit-log", params={"action": "auth.login_failed"}, headers=hub.admin_headers)
    assert r.status_code == 200, r.text
    entries = r.json()
    assert [e["detail"]["reason"] for e in entries] == ["unknown_user", "wrong_password"], "newest first"
    ghost, wrong = entries
    assert ghost["detail"]["username"] == "ghost" and ghost["target_id"] == "unknown"
    assert wrong["actor"] == f"user:{hub.admin}" and wrong["detail"]["address"] == "testclient"
    assert wrong["detail"]["user_failures"] == 1
    logins = hub.client.get("/audit-log", params={"action": "auth.login"}, headers=hub.admin_headers).json()
    assert [e["actor"] for e in logins] == [f"user:{hub.admin}"]


def test_token_responses_are_not_stored(hub: Hub) -> None:
    r = hub.sign_in(hub.admin, ADMIN_PASSWORD)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["pragma"] == "no-cache"
