"""Who may do what: staff roles, store scoping, channel API keys, the first admin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tests.hub.seed import SeededStore, login, order_body, seed_store


def _user(client: TestClient, admin: dict[str, str], role: str, stores: list[str] | None = None) -> dict[str, str]:
    username = f"{role}-{len(stores or [])}-{id(stores)}"
    r = client.post(
        "/users",
        json={"username": username, "password": "long-enough-pw", "role": role, "store_ids": stores},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return login(client, username, "long-enough-pw")


def test_everything_but_health_and_docs_needs_auth(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/docs", "/openapi.json", "/metrics"):
        assert client.get(path).status_code == 200, path
    for method, path in (
        ("get", "/stores"),
        ("post", "/orders"),
        ("get", "/customers/lookup"),
        ("get", "/users"),
        ("get", "/kitchen/tickets"),
    ):
        r = getattr(client, method)(path)
        assert r.status_code == 401, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"


def test_wrong_password_and_bad_token_are_refused(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert client.post("/auth/token", data={"username": "nobody", "password": "x"}).status_code == 401
    r = client.get("/stores", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert r.json()["detail"] == "invalid access token"


def test_roles_are_enforced(client: TestClient, admin_headers: dict[str, str], store: SeededStore) -> None:
    marketer = _user(client, admin_headers, "marketer")
    r = client.post("/stores", json={"id": "x1", "name": "x"}, headers=marketer)
    assert r.status_code == 403
    assert client.post("/orders", json=order_body(store.store_id), headers=marketer).status_code == 403
    assert client.get("/users", headers=marketer).status_code == 403


def test_a_store_manager_sees_only_their_stores(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    other = seed_store(client, admin_headers)
    manager = _user(client, admin_headers, "store_manager", [store.store_id])
    theirs = client.post(
        "/orders", json=order_body(other.store_id, customer={"phone": "13900001111"}), headers=admin_headers
    ).json()
    mine = client.post("/orders", json=order_body(store.store_id), headers=manager)
    assert mine.status_code == 201

    assert [s["id"] for s in client.get("/stores", headers=manager).json()] == [store.store_id]
    for path in (
        f"/stores/{other.store_id}",
        f"/stores/{other.store_id}/menu-items",
        f"/orders/{theirs['id']}",
        f"/orders/{theirs['id']}/events",
        f"/customers/{theirs['customer_id']}",
    ):
        r = client.get(path, headers=manager)
        assert r.status_code == 404, path
    assert client.post("/orders", json=order_body(other.store_id), headers=manager).status_code == 404
    assert (
        client.post(f"/orders/{theirs['id']}/status", json={"status": "accepted"}, headers=manager).status_code == 404
    )
    assert {o["store_id"] for o in client.get("/orders", headers=manager).json()} == {store.store_id}
    assert client.get(f"/orders/{mine.json()['id']}", headers=manager).status_code == 200


def test_channel_api_keys(client: TestClient, admin_headers: dict[str, str], store: SeededStore) -> None:
    other = seed_store(client, admin_headers)
    r = client.post(
        "/api-keys", json={"name": "美团", "channel": "meituan", "store_ids": [store.store_id]}, headers=admin_headers
    )
    assert r.status_code == 201
    created = r.json()
    key = {"X-API-Key": created["key"]}
    assert "key" not in client.get("/api-keys", headers=admin_headers).json()[0]

    order = client.post("/orders", json=order_body(store.store_id), headers=key)
    assert order.status_code == 201
    assert order.json()["channel"] == "meituan"
    assert client.post("/orders", json=order_body(store.store_id, channel="eleme"), headers=key).status_code == 403
    assert client.post("/orders", json=order_body(other.store_id), headers=key).status_code == 404
    assert client.get("/stores", headers=key).status_code == 403

    assert client.delete(f"/api-keys/{created['id']}", headers=admin_headers).status_code == 204
    assert client.post("/orders", json=order_body(store.store_id), headers=key).status_code == 401


def test_phones_are_masked_for_roles_that_may_not_see_them(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    order = client.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()
    marketer = _user(client, admin_headers, "marketer")
    full = client.get(f"/customers/{order['customer_id']}", headers=admin_headers).json()
    masked = client.get(f"/customers/{order['customer_id']}", headers=marketer).json()
    assert {i["value"] for i in full["identities"] if i["kind"] == "phone"} == {"+8613812345678"}
    assert {i["value"] for i in masked["identities"] if i["kind"] == "phone"} == {"138****5678"}


def test_devices_get_credentials_and_tokens(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    r = client.post(
        "/devices",
        json={"device_id": "edge-1", "kind": "edge_agent", "store_id": store.store_id},
        headers=admin_headers,
    )
    assert r.status_code == 201
    secret = r.json()["secret"]
    assert client.post("/auth/device-token", json={"device_id": "edge-1", "secret": "wrong"}).status_code == 401
    token = client.post("/auth/device-token", json={"device_id": "edge-1", "secret": secret}).json()["access_token"]
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["kind"], me["role"], me["store_ids"]) == ("device", "device", [store.store_id])


def test_first_admin_comes_from_the_cli_without_a_default_password(
    sqlite_url: str, tmp_path: Path, client: TestClient
) -> None:
    env = {"BRIGADE_DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "hub", "create-admin", "--username", "boss", "--password-stdin"]
    short = subprocess.run(cli, input="short\n", env=env, capture_output=True, text=True, timeout=60)
    assert short.returncode == 2
    assert "at least 10 characters" in short.stderr
    ok = subprocess.run(cli, input="a-very-good-password\n", env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert login(client, "boss", "a-very-good-password")
    again = subprocess.run(cli, input="a-very-good-password\n", env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2
    assert "already exists" in again.stderr
