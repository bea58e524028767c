from __future__ import annotations

import uuid

import httpx

from tests.hub.seed import login


def user(client: httpx.Client, admin: dict[str, str], role: str, stores: list[str] | None = None) -> dict[str, str]:
    """A staff member of this role (store managers: of these stores), signed in."""
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    r = client.post(
        "/users",
        json={"username": username, "password": "long-enough-pw", "role": role, "store_ids": stores},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return login(client, username, "long-enough-pw")
