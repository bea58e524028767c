"""Twenty orders present one single-use coupon at the same moment: exactly one gets it (PostgreSQL, real HTTP)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hub.app import create_app
from hub.marketing.coupons import coupons
from hub.orders.tables import Order
from tests.hub.conftest import rest_settings
from tests.hub.crm.builders import World
from tests.hub.seed import login, make_admin, order_body, seed_store
from tests.hub.server import serve

pytestmark = pytest.mark.integration
ORDERS = Order.__table__  # type: ignore[attr-defined]


def test_twenty_concurrent_orders_with_one_single_use_coupon(pg_fresh_url: str, tmp_path: Path) -> None:
    app = create_app(rest_settings(pg_fresh_url, tmp_path, http_threads=20, db_pool_size=20))
    world = World(app.state.ctx.db)
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = login(client, make_admin(pg_fresh_url))
        store = seed_store(client, headers)
        r = client.post(
            "/coupon-templates",
            json={"id": "once", "name": "单次券", "kind": "amount_off", "amount_off_fen": 1000, "valid_days": 3},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        customer = client.post("/customers", json={"phone": "13900009999"}, headers=headers).json()["id"]
        code = client.post(
            "/coupon-templates/once/grants", json={"customer_id": customer, "key": "only"}, headers=headers
        ).json()["code"]
        barrier = threading.Barrier(20)

        def place(i: int) -> httpx.Response:
            body = order_body(
                store.store_id, external_id=f"race-{i}", customer={"phone": "13900009999"}, coupon_code=code
            )
            with httpx.Client(base_url=base, timeout=30) as own:
                barrier.wait()
                return own.post("/orders", json=body, headers=headers)

        with ThreadPoolExecutor(20) as pool:
            responses = list(pool.map(place, range(20)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"coupon.unavailable"}
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert winner["discount_fen"] == 1000
    coupon = world.rows(select(coupons).where(coupons.c.code == code))[0]
    assert (coupon.status, coupon.order_id) == ("redeemed", winner["id"])
    placed = world.rows(select(ORDERS.c.id).where(ORDERS.c.external_id.like("race-%")))
    assert [p.id for p in placed] == [winner["id"]], "the 19 refused orders left nothing behind"
    world.db.dispose()
