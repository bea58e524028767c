"""Keep cooking offline: the store broker bridged to the central one with the shipped bridge config.

While the link is cut, in-store orders print at once; when it returns, the hub's queued tickets
print and the in-store orders appear at the hub exactly once, their tickets tracked as printed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hub.app import create_app
from hub.db import Database
from hub.orders.tables import Order
from tests.chaos.brokers import bridged_store_broker, settings_for
from tests.chaos.waiting import eventually
from tests.databases import sqlite_database
from tests.edge_agent.harness import sim_store
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.hub.server import serve
from tests.services import PrivateMosquitto

pytestmark = pytest.mark.integration


@pytest.fixture
def hub(tmp_path: Path, private_broker: PrivateMosquitto, topic_root: str) -> Iterator[tuple[httpx.Client, str, str]]:
    url = sqlite_database(tmp_path)
    central = settings_for(private_broker.port, topic_root, f"hub-{uuid.uuid4().hex[:6]}")
    with serve(create_app(mqtt_settings(url, tmp_path, central))) as base, httpx.Client(base_url=base) as client:
        client.headers.update(login(client, make_admin(url)))
        yield client, seed_store(client, dict(client.headers)).store_id, url


def _store_pos_orders(url: str, store_id: str) -> list[tuple[str, str]]:
    db = Database.from_url(url)
    try:
        with db.session() as session:
            rows = session.execute(
                select(Order.id, Order.external_id).where(Order.store_id == store_id, Order.channel == "store-pos")  # type: ignore[arg-type]
            ).all()
        return [(r[0], r[1]) for r in rows]
    finally:
        db.dispose()


async def test_in_store_orders_print_during_a_cut_and_sync_exactly_once_after(
    hub: tuple[httpx.Client, str, str], private_broker: PrivateMosquitto, topic_root: str, tmp_path: Path
) -> None:
    client, store_id, url = hub
    device_id = f"edge-{uuid.uuid4().hex[:6]}"
    register_device(client, dict(client.headers), device_id, store_id=store_id)
    with bridged_store_broker(private_broker.port, store_id=store_id, root=topic_root, devices=(device_id,)) as sb:
        mqtt = settings_for(sb.broker.port, topic_root, device_id)
        async with sim_store(
            tmp_path / "edge", store_id=store_id, mqtt=mqtt, device_id=device_id, pos_http_port=0, outbox_retry_s=2
        ) as store:
            agent = await store.start_agent()
            await eventually(lambda: agent.desk.menu is not None, what="the menu came across the bridge")
            first = client.post("/orders", json=order_body(store_id)).json()["id"]
            await store.wait_printed(2, timeout=15)

            sb.link.cut()
            assert agent.http is not None
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{agent.http.port}") as pos:
                taken = await pos.post(
                    "/orders", json={"local_order_id": "T5-1", "lines": [{"menu_item_id": "TC", "quantity": 1}]}
                )
            assert taken.status_code == 201, taken.text
            local_id = taken.json()["order_id"]
            late = client.post("/orders", json=order_body(store_id, lines=[{"sku": "NM", "quantity": 1}])).json()["id"]
            printed = await store.wait_printed(4, timeout=5)  # the in-store order's two tickets, at once
            assert {t.order_id for t in printed} == {first, local_id}, "the hub's new order waits for the link"

            sb.link.restore()
            await store.wait_printed(5, timeout=30)
            await eventually(lambda: len(_store_pos_orders(url, store_id)) == 1, 30, "the in-store order at the hub")
            assert _store_pos_orders(url, store_id) == [(local_id, "T5-1")]

            def tracked() -> bool:
                rows = client.get("/kitchen/tickets", params={"order_id": local_id}).json()
                return len(rows) == 2 and all(r["printed_at"] and r["delivered_at"] for r in rows)

            await eventually(tracked, 30, "the hub tracks the in-store order's tickets as printed")
            per_ticket: dict[str, int] = {}
            for t in store.printed():
                per_ticket[t.ticket_id] = per_ticket.get(t.ticket_id, 0) + 1
            assert all(n == 1 for n in per_ticket.values()), per_ticket
            assert {t.order_id for t in store.printed()} == {first, local_id, late}
