"""A real hub on a free port (SQLite), seeded over REST, for the console to talk to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hub.app import create_app
from tests.databases import sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store
from tests.hub.server import serve

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.combine(datetime.now(SHANGHAI).date(), time(14, 30), tzinfo=SHANGHAI).astimezone(UTC)
"""The console's pinned clock: 14:30 in Shanghai on the day the tests run (the hub accepts orders placed
from a day before its own clock, so the date follows the wall clock; every time shown is pinned)."""
MANAGER_PASSWORD = "manager-password-1"


class Brake:
    """Wraps the hub's ASGI app: while ``on``, every request waits ``delay_s`` before the hub sees it."""

    def __init__(self, app: Any, delay_s: float = 5.0) -> None:
        self.app = app
        self.delay_s = delay_s
        self.on = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.on and scope["type"] == "http":
            await asyncio.sleep(self.delay_s)
        await self.app(scope, receive, send)


@dataclass
class Hub:
    url: str
    store_id: str
    manager: str
    order_numbers: list[str]
    customer_phone: str
    ticket_summary: str
    brake: Brake


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    db_url = sqlite_database(tmp_path)
    brake = Brake(create_app(rest_settings(db_url, tmp_path)))
    with serve(brake) as base, httpx.Client(base_url=base, timeout=10) as client:  # type: ignore[arg-type]
        headers = login(client, make_admin(db_url))
        client.headers.update(headers)
        store = seed_store(client, headers, store_id="s-console")
        numbers = []
        for i, minute in enumerate((5, 20)):
            placed = (NOW.replace(minute=minute) - timedelta(hours=2 - i)).isoformat()
            r = client.post("/orders", json=order_body(store.store_id, external_id=f"pos-{i}", placed_at=placed))
            assert r.status_code in (200, 201), r.text
            numbers.append(r.json()["order_number"])
        order_id = client.get("/orders", params={"store_id": store.store_id}).json()[0]["id"]
        r = client.post(
            "/service/tickets",
            json={"kind": "complaint", "category": "cold_food", "summary": "菜凉了", "order_id": order_id},
        )
        assert r.status_code == 201, r.text
        r = client.post(
            "/users",
            json={
                "username": "manager-1",
                "password": MANAGER_PASSWORD,
                "role": "store_manager",
                "store_ids": [store.store_id],
            },
        )
        assert r.status_code == 201, r.text
        yield Hub(base, store.store_id, "manager-1", numbers, "13812345678", "菜凉了", brake)
