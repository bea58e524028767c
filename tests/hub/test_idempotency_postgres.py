"""20 concurrent identical requests make exactly one order (PostgreSQL, real HTTP server)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hub.app import create_app
from hub.db import Database
from hub.orders.tables import Order
from hub.outbox.tables import OutboxMessage
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store
from tests.hub.server import serve

pytestmark = pytest.mark.integration


def test_twenty_concurrent_identical_requests_make_one_order(pg_url: str, tmp_path: Path) -> None:
    app = create_app(rest_settings(pg_url, tmp_path, http_threads=20, db_pool_size=20))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = login(client, make_admin(pg_url))
        store = seed_store(client, headers)
        body = order_body(store.store_id, external_id="eleme-20-at-once")
        barrier = threading.Barrier(20)

        def place(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=30) as own:
                barrier.wait()
                return own.post("/orders", json=body, headers=headers)

        with ThreadPoolExecutor(20) as pool:
            responses = list(pool.map(place, range(20)))

    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    db = Database.from_url(pg_url)
    with db.session() as session:
        orders = session.execute(
            select(func.count()).select_from(Order).where(Order.external_id == "eleme-20-at-once")
        ).scalar_one()
        order_id = responses[0].json()["id"]
        tickets = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.topic.contains(f"/stores/{store.store_id}/kitchen/"))
        ).scalar_one()  # type: ignore[attr-defined]
    db.dispose()
    assert orders == 1
    assert tickets == 2, f"order {order_id}: one ticket per station (wok, grill), not one per request"
