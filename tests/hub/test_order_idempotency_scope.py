"""The idempotency key includes the store for store-scoped channels (POS, staff, phone, walk-in); a
sales platform's order id stays global; the same key with another request is refused, never replayed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.store_orders import StoreOrder, StoreOrderLine
from hub.app import create_app
from hub.db import Database
from hub.migrate import upgrade
from hub.orders.tables import Order
from hub.outbox.tables import OutboxMessage
from mqttlink import MqttSettings
from tests.databases import postgres_database, sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.mqtt_watch import Watcher

REUSED = "idempotency key reused with another request"


@pytest.fixture
def hub(any_db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with TestClient(create_app(rest_settings(any_db_url, tmp_path))) as client:
        yield client, login(client, make_admin(any_db_url)), any_db_url


def _count(url: str, store_id: str) -> tuple[int, int]:
    """(orders, kitchen tickets queued) of one store."""
    db = Database.from_url(url)
    with db.session() as session:
        orders = session.execute(
            select(func.count()).select_from(Order).where(Order.store_id == store_id)  # type: ignore[arg-type]
        ).scalar_one()
        tickets = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.topic.contains(f"/stores/{store_id}/kitchen/"))  # type: ignore[attr-defined]
        ).scalar_one()
    db.dispose()
    return orders, tickets


@pytest.mark.parametrize("channel", ["walk-in", "phone", "manual"])
def test_two_stores_may_use_the_same_external_id_on_a_store_scoped_channel(
    hub: tuple[TestClient, dict[str, str], str], channel: str
) -> None:
    client, headers, _ = hub
    a, b = seed_store(client, headers), seed_store(client, headers)
    first = client.post("/orders", json=order_body(a.store_id, "1001", channel=channel), headers=headers)
    second = client.post("/orders", json=order_body(b.store_id, "1001", channel=channel), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert first.json()["id"] != second.json()["id"]
    assert (first.json()["store_id"], second.json()["store_id"]) == (a.store_id, b.store_id)
    again = client.post("/orders", json=order_body(b.store_id, "1001", channel=channel), headers=headers)
    assert again.status_code == 200, again.text  # a retry in store B still finds B's order
    assert again.json()["id"] == second.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_request_is_refused_and_writes_nothing(
    hub: tuple[TestClient, dict[str, str], str],
) -> None:
    client, headers, url = hub
    store = seed_store(client, headers)
    body = order_body(store.store_id, "1002", channel="phone")
    first = client.post("/orders", json=body, headers=headers)
    assert first.status_code == 201, first.text

    other = client.post("/orders", json=dict(body, lines=[{"sku": "NM", "quantity": 3}]), headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert REUSED in other.json()["detail"]
    assert other.json()["code"] == "order.idempotency_key_reused"
    assert _count(url, store.store_id) == (1, 2)  # one order, its two station tickets

    same = client.post("/orders", json=body, headers=headers)
    assert same.status_code == 200
    assert same.headers["Idempotent-Replayed"] == "true"
    assert same.json() == first.json()


def test_a_sales_platforms_order_id_is_one_order_across_stores(hub: tuple[TestClient, dict[str, str], str]) -> None:
    client, headers, url = hub
    a, b = seed_store(client, headers), seed_store(client, headers)
    created = client.post("/api-keys", json={"name": "美团", "channel": "meituan"}, headers=headers)
    assert created.status_code == 201, created.text
    platform = {"X-API-Key": created.json()["key"]}
    external_id = f"mt-{uuid.uuid4().hex}"
    first = client.post("/orders", json=order_body(a.store_id, external_id), headers=platform)
    elsewhere = client.post("/orders", json=order_body(b.store_id, external_id), headers=platform)
    assert first.status_code == 201, first.text
    assert elsewhere.status_code == 422
    assert REUSED in elsewhere.json()["detail"]
    assert _count(url, b.store_id) == (0, 0)


@pytest.mark.integration
@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_the_migration_scopes_the_keys_of_existing_store_orders(engine: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        _migrate_existing_orders(sqlite_database(tmp_path, migrate=False))
    else:
        with postgres_database(migrate=False) as url:
            _migrate_existing_orders(url)


def _migrate_existing_orders(url: str) -> None:
    db = Database.from_url(url)
    try:
        upgrade(db.engine, "0003_merge")
        now = datetime(2026, 12, 1, 4, 0, tzinfo=UTC).isoformat()
        with db.engine.begin() as conn:
            for store in ("sh-001", "sh-002"):
                conn.execute(
                    text(
                        "INSERT INTO stores (id, name, timezone, address, created_at) "
                        "VALUES (:id, :id, 'Asia/Shanghai', '', :now)"
                    ),
                    {"id": store, "now": now},
                )
            for order_id, store, channel in (("o1", "sh-001", "store-pos"), ("o2", "sh-001", "meituan")):
                conn.execute(
                    text(
                        "INSERT INTO orders (id, store_id, channel, external_id, order_number, status, fulfilment,"
                        " subtotal_fen, delivery_fee_fen, discount_fen, total_fen, currency, placed_at, updated_at,"
                        " revision) VALUES (:id, :store, :channel, '1001', 'T1', 'received', 'dine_in',"
                        " 100, 0, 0, 100, 'CNY', :now, :now, 1)"
                    ),
                    {"id": order_id, "store": store, "channel": channel, "now": now},
                )
        upgrade(db.engine)
        with db.engine.begin() as conn:
            scopes = {r.id: r.key_scope for r in conn.execute(text("SELECT id, key_scope FROM orders"))}
            assert scopes == {"o1": "sh-001", "o2": ""}
            conn.execute(  # store B's POS may now use the local id store A used
                text(
                    "INSERT INTO orders (id, store_id, channel, external_id, key_scope, order_number, status,"
                    " fulfilment, subtotal_fen, delivery_fee_fen, discount_fen, total_fen, currency, placed_at,"
                    " updated_at, revision) VALUES ('o3', 'sh-002', 'store-pos', '1001', 'sh-002', 'T1', 'received',"
                    " 'dine_in', 100, 0, 0, 100, 'CNY', :now, :now, 1)"
                ),
                {"now": now},
            )
    finally:
        db.dispose()


def _store_order(store_id: str, local_id: str, **changes: object) -> StoreOrder:
    values: dict[str, object] = dict(
        order_id=str(uuid.uuid4()),
        store_id=store_id,
        local_order_id=local_id,
        order_number="P1001",
        placed_at=datetime.now(UTC),
        lines=(StoreOrderLine(menu_item_id="KB", quantity=1),),
    )
    values.update(changes)
    return StoreOrder.model_validate(values)


@pytest.mark.integration
async def test_two_stores_pos_orders_with_the_same_local_id_both_become_orders(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    a, b = seed_store(client, headers), seed_store(client, headers)
    register_device(client, headers, "edge-a", store_id=a.store_id)
    register_device(client, headers, "edge-b", store_id=b.store_id)
    order_a = wrap(_store_order(a.store_id, "1001"), source="edge-a")
    order_b = wrap(_store_order(b.store_id, "1001"), source="edge-b")
    changed = _store_order(a.store_id, "1001", lines=(StoreOrderLine(menu_item_id="CH", quantity=9),))
    reused = wrap(changed, source="edge-a")
    async with Watcher(mosquitto_settings) as edge:
        await edge.watch(topics.ACK.wildcard(root=root))
        await edge.watch(topics.DEAD_LETTER.build(root=root))
        for envelope, store in ((order_a, a), (order_b, b), (reused, a)):
            await edge.link.publish(topics.STORE_ORDER.build(root=root, store_id=store.store_id), encode(envelope))

        def acked() -> set[object]:
            return {i for m in edge.messages if "/acks/" in m.topic for i in decode(m.payload, Ack).body.message_ids}

        await edge.wait_until(lambda: acked() >= {order_a.id, order_b.id, reused.id})
        dead = await edge.wait_for(1, lambda m: m.topic.endswith("dead-letter"))
    for envelope, store in ((order_a, a), (order_b, b)):
        order = client.get(f"/orders/{envelope.body.order_id}", headers=headers)
        assert order.status_code == 200, order.text
        assert (order.json()["store_id"], order.json()["external_id"]) == (store.store_id, "1001")
    assert client.get(f"/orders/{reused.body.order_id}", headers=headers).status_code == 404
    letter = decode(dead[0].payload, DeadLetter).body
    assert (letter.source, REUSED in letter.reason) == ("edge-a", True)
