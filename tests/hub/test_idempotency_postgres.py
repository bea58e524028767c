"""20 concurrent identical requests make exactly one order; 20 concurrent orders of one new customer make
one customer (PostgreSQL, real HTTP server)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hub.app import create_app
from hub.customers.api import Customer, CustomerIdentity
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


def test_twenty_concurrent_orders_of_one_new_customer_make_one_customer(pg_url: str, tmp_path: Path) -> None:
    """A new phone on twenty orders at once: each request creates its customer with the phone in one
    statement; the phone's unique identity lets one win, the others drop theirs and use the winner."""
    app = create_app(rest_settings(pg_url, tmp_path, http_threads=20, db_pool_size=20))
    name = f"顾客{uuid.uuid4().hex[:6]}"
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = login(client, make_admin(pg_url))
        store = seed_store(client, headers)
        barrier = threading.Barrier(20)

        def place(_: int) -> httpx.Response:
            body = order_body(store.store_id, customer={"phone": phone, "name": name})
            with httpx.Client(base_url=base, timeout=30) as own:
                barrier.wait()
                return own.post("/orders", json=body, headers=headers)

        with ThreadPoolExecutor(20) as pool:
            responses = list(pool.map(place, range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    db = Database.from_url(pg_url)
    with db.session() as session:
        owners = set(
            session.execute(
                select(Order.customer_id).where(Order.id.in_([r.json()["id"] for r in responses]))
            ).scalars()  # type: ignore[attr-defined]
        )
        named = session.execute(select(Customer.id).where(Customer.display_name == name)).scalars().all()
        holders = (
            session.execute(select(CustomerIdentity.customer_id).where(CustomerIdentity.value == f"+86{phone}"))
            .scalars()
            .all()
        )
    db.dispose()
    assert len(owners) == 1 and owners == set(named) == set(holders), (owners, named, holders)
