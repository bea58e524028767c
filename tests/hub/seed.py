"""Setting up a hub for a test the way an operator would: over REST."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlmodel import Session

from hub.auth.service import create_user
from hub.db import Database
from hub.kernel.roles import Role

ADMIN_PASSWORD = "correct-horse-battery"


def make_admin(database_url: str) -> str:
    """Create an admin directly (as the CLI does) and return its username."""
    username = f"admin-{uuid.uuid4().hex[:8]}"
    db = Database.from_url(database_url)
    with Session(db.engine) as session:
        create_user(session, username=username, password=ADMIN_PASSWORD, role=Role.ADMIN, actor="test")
        session.commit()
    db.dispose()
    return username


def login(client: httpx.Client, username: str, password: str = ADMIN_PASSWORD) -> dict[str, str]:
    response = client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class SeededStore:
    store_id: str
    stations: dict[str, str]
    menu: dict[str, dict[str, Any]] = field(default_factory=dict)


DEFAULT_MENU = {
    "KB": {"name": "宫保鸡丁", "price_fen": 3800, "station_codes": ["wok"], "allergens": ["花生"]},
    "YX": {"name": "鱼香肉丝", "price_fen": 3200, "station_codes": ["wok"]},
    "CH": {"name": "羊肉串", "price_fen": 600, "station_codes": ["grill"]},
    "NM": {"name": "珍珠奶茶", "price_fen": 1500, "station_codes": ["drinks"]},
    "TC": {"name": "套餐(烤串+炒饭)", "price_fen": 5800, "station_codes": ["grill", "wok"]},
}
DEFAULT_STATIONS = {"wok": "炒锅", "grill": "烧烤", "drinks": "饮品"}


def seed_store(
    client: httpx.Client,
    headers: dict[str, str],
    store_id: str | None = None,
    menu: dict[str, dict[str, Any]] | None = None,
) -> SeededStore:
    store_id = store_id or f"s-{uuid.uuid4().hex[:8]}"
    r = client.post(
        "/stores", json={"id": store_id, "name": f"门店 {store_id}", "lat": 31.2304, "lon": 121.4737}, headers=headers
    )
    assert r.status_code == 201, r.text
    for code, name in DEFAULT_STATIONS.items():
        r = client.post(f"/stores/{store_id}/stations", json={"code": code, "name": name}, headers=headers)
        assert r.status_code == 201, r.text
    seeded = SeededStore(store_id=store_id, stations=dict(DEFAULT_STATIONS))
    for sku, item in (menu or DEFAULT_MENU).items():
        r = client.post(f"/stores/{store_id}/menu-items", json={"sku": sku, **item}, headers=headers)
        assert r.status_code == 201, r.text
        seeded.menu[sku] = item
    return seeded


def order_body(store_id: str, external_id: str | None = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "store_id": store_id,
        "external_id": external_id or uuid.uuid4().hex,
        "fulfilment": "delivery",
        "lines": [{"sku": "KB", "quantity": 2, "modifiers": ["少辣"]}, {"sku": "CH", "quantity": 10}],
        "customer": {"phone": "+86 138 1234 5678", "name": "王小明"},
        "delivery": {"address": "上海市黄浦区南京东路1号", "lat": 31.2397, "lon": 121.4998, "notes": "放门口保温箱"},
    }
    body.update(changes)
    return body


def register_device(
    client: httpx.Client,
    headers: dict[str, str],
    device_id: str,
    kind: str = "edge_agent",
    *,
    store_id: str | None = None,
    rider_id: str | None = None,
) -> str:
    """Register a device as an operator would (the bridge accepts messages only from registered
    devices); returns its secret."""
    r = client.post(
        "/devices",
        json={"device_id": device_id, "kind": kind, "store_id": store_id, "rider_id": rider_id},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])
