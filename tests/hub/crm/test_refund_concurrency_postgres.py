"""Ten refunds of one order at the same moment never give back more than was paid (PostgreSQL, real HTTP)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from hub.app import create_app
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store
from tests.hub.server import serve

pytestmark = pytest.mark.integration
TOTAL = 13_600  # the seeded order


def test_concurrent_refunds_stop_at_what_was_paid(pg_fresh_url: str, tmp_path: Path) -> None:
    app = create_app(rest_settings(pg_fresh_url, tmp_path, http_threads=10, db_pool_size=10))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = login(client, make_admin(pg_fresh_url))
        store = seed_store(client, headers)
        order = client.post("/orders", json=order_body(store.store_id), headers=headers).json()
        assert order["total_fen"] == TOTAL
        barrier = threading.Barrier(10)

        def refund(i: int) -> httpx.Response:
            body = {"key": f"race-{i}", "amount_fen": 2000, "reason": "测试"}
            with httpx.Client(base_url=base, timeout=30) as own:
                barrier.wait()
                return own.post(f"/orders/{order['id']}/refunds", json=body, headers=headers)

        with ThreadPoolExecutor(10) as pool:
            responses = list(pool.map(refund, range(10)))
        events = client.get(f"/orders/{order['id']}/events", headers=headers).json()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 6 + [409] * 4, [r.text for r in responses if r.status_code not in (201, 409)]
    refunded = [e["data"]["amount_fen"] for e in events if e["type"] == "order.refunded"]
    assert sum(refunded) == 12_000 <= TOTAL and len(refunded) == 6
    assert max(r.json()["refunded_total_fen"] for r in responses if r.status_code == 201) == 12_000
