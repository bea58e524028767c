"""A write that cannot get the database gets a 503 with Retry-After, saves nothing, and works when retried.

On the embedded SQLite there is one writer at a time; a request waits ``sqlite_busy_timeout_s`` for it.
Past that the caller (a POS, an integrator) must hear "retry", not a 500, and the retry must not make a
second order.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.app import create_app
from hub.orders.tables import Order
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store


def _orders(client: TestClient) -> int:
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        return int(session.execute(select(func.count()).select_from(Order)).scalar_one())


def test_a_locked_database_answers_503_and_the_retry_places_one_order(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(rest_settings(sqlite_url, tmp_path, sqlite_busy_timeout_s=0.3))
    with TestClient(app) as client:
        headers = login(client, make_admin(sqlite_url))
        store = seed_store(client, headers)
        body = order_body(store.store_id)
        other_writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")  # a long job holding the write lock
        try:
            refused = client.post("/orders", json=body, headers=headers)
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["Retry-After"] == "1"
        assert "retry" in refused.json()["detail"] and "nothing was saved" in refused.json()["detail"]
        assert _orders(client) == 0

        placed = client.post("/orders", json=body, headers=headers)
        assert placed.status_code == 201, placed.text
        again = client.post("/orders", json=body, headers=headers)
        assert again.status_code == 200 and again.json()["id"] == placed.json()["id"]
        assert _orders(client) == 1
