"""Staff accounts: password policy, changing a password, disabling a user, and the audit log of it all."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.hub.seed import login

pytestmark = pytest.mark.integration
PASSWORD = "long-enough-pw"


def _create(client: TestClient, admin: dict[str, str], username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/users", json={"username": username, "password": password, "role": "operator"}, headers=admin)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _audit(client: TestClient, admin: dict[str, str], **filters: str) -> list[dict[str, object]]:
    r = client.get("/audit-log", params=filters, headers=admin)
    assert r.status_code == 200, r.text
    return list(r.json())


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("lin.fang.2025", "username"),
        ("password1234", "common"),
        ("xyzxyzxyzxyz", "repeated"),
        ("abcdefghijklm", "consecutive"),
    ],
)
def test_weak_passwords_are_refused(client: TestClient, admin_headers: dict[str, str], password: str, why: str) -> None:
    r = client.post(
        "/users", json={"username": "lin.fang", "password": password, "role": "operator"}, headers=admin_headers
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "auth.weak_password" and why in r.json()["detail"]
    assert "lin.fang" not in [u["username"] for u in client.get("/users", headers=admin_headers).json()]


def test_changing_your_password_ends_your_other_tokens(client: TestClient, admin_headers: dict[str, str]) -> None:
    _create(client, admin_headers, "wang.li")
    old = login(client, "wang.li", PASSWORD)
    other_device = login(client, "wang.li", PASSWORD)

    wrong = client.post(
        "/auth/password", json={"current_password": "nope-nope-nope", "new_password": "Xin-mima-2025"}, headers=old
    )
    assert wrong.status_code == 401
    weak = client.post(
        "/auth/password", json={"current_password": PASSWORD, "new_password": "wang.li.2025"}, headers=old
    )
    assert weak.status_code == 422 and weak.json()["code"] == "auth.weak_password"
    assert client.get("/auth/me", headers=old).status_code == 200, "nothing changed yet"

    r = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "Xin-mima-2025"}, headers=old)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/auth/me", headers=fresh).json()["name"] == "wang.li"
    for stale in (old, other_device):
        refused = client.get("/auth/me", headers=stale)
        assert refused.status_code == 401 and "password change" in refused.json()["detail"]
    assert client.post("/auth/token", data={"username": "wang.li", "password": PASSWORD}).status_code == 401
    login(client, "wang.li", "Xin-mima-2025")

    changes = _audit(client, admin_headers, action="user.password_change")
    assert [(e["actor"], e["target_type"]) for e in changes] == [("user:wang.li", "user")]
    failed = _audit(client, admin_headers, action="auth.login_failed")
    purposes = [e["detail"]["purpose"] for e in failed]  # type: ignore[index]
    assert purposes == ["login", "password_change"], "newest first: the old password after the change; the wrong one"


def test_a_disabled_users_tokens_stop_working_at_once(client: TestClient, admin_headers: dict[str, str]) -> None:
    user = _create(client, admin_headers, "zhao.min")
    token = login(client, "zhao.min", PASSWORD)
    assert client.get("/stores", headers=token).status_code == 200

    r = client.post(f"/users/{user['id']}/disable", headers=admin_headers)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/stores", headers=token).status_code == 401
    refused = client.post("/auth/token", data={"username": "zhao.min", "password": PASSWORD})
    assert refused.status_code == 401 and refused.json()["detail"] == "this account is disabled"
    assert client.post("/auth/token", data={"username": "zhao.min", "password": "not-it-at-all"}).json()["detail"] == (
        "wrong username or password"
    ), "only the right password learns that the account is disabled"

    assert client.post(f"/users/{user['id']}/enable", headers=admin_headers).json()["active"] is True
    assert client.get("/stores", headers=login(client, "zhao.min", PASSWORD)).status_code == 200
    entries = _audit(client, admin_headers, target_id=user["id"])
    assert [e["action"] for e in entries if str(e["action"]).startswith("user.")] == [
        "user.enable",
        "user.disable",
        "user.create",
    ]


def test_admins_cannot_disable_themselves_and_only_admins_manage_users(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    me = client.get("/auth/me", headers=admin_headers).json()
    r = client.post(f"/users/{me['id']}/disable", headers=admin_headers)
    assert r.status_code == 409
    assert client.post("/users/no-such-user/disable", headers=admin_headers).status_code == 404

    user = _create(client, admin_headers, "chen.jie")
    operator = login(client, "chen.jie", PASSWORD)
    for path in (f"/users/{me['id']}/disable", f"/users/{user['id']}/enable", f"/users/{me['id']}/password"):
        assert client.post(path, json={"new_password": "Ruo-mima-2025"}, headers=operator).status_code == 403
    assert client.get("/audit-log", headers=operator).status_code == 403


def test_an_admin_resets_a_password(client: TestClient, admin_headers: dict[str, str]) -> None:
    user = _create(client, admin_headers, "sun.yu")
    token = login(client, "sun.yu", PASSWORD)
    weak = client.post(f"/users/{user['id']}/password", json={"new_password": "1234567890"}, headers=admin_headers)
    assert weak.status_code == 422
    r = client.post(f"/users/{user['id']}/password", json={"new_password": "Chong-zhi-2025"}, headers=admin_headers)
    assert r.status_code == 204
    assert client.get("/auth/me", headers=token).status_code == 401
    login(client, "sun.yu", "Chong-zhi-2025")
    assert [e["action"] for e in _audit(client, admin_headers, action="user.password_reset")] == ["user.password_reset"]


def test_the_audit_log_filters_and_pages(client: TestClient, admin_headers: dict[str, str]) -> None:
    for name in ("a.one", "a.two", "a.three"):
        _create(client, admin_headers, name)
    created = _audit(client, admin_headers, action="user.create")
    assert [e["detail"]["username"] for e in created][:3] == ["a.three", "a.two", "a.one"]  # type: ignore[index]
    first = _audit(client, admin_headers, action="user.create", limit="2")
    rest = _audit(client, admin_headers, action="user.create", before_id=str(first[-1]["id"]))
    assert [e["id"] for e in first + rest] == [e["id"] for e in created]
    at = str(created[0]["at"])
    assert [e["id"] for e in _audit(client, admin_headers, action="user.create", since=at)] == [created[0]["id"]]
    assert _audit(client, admin_headers, action="user.create", until=str(created[-1]["at"])) == []
    naive = client.get("/audit-log", params={"since": "2025-01-01T00:00:00"}, headers=admin_headers)
    assert naive.status_code == 422, "a time without a zone is refused, not guessed"
