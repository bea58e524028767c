"""The store's menu goes down retained; orders the store took offline come up exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.kitchen import KitchenTicket
from contracts.messaging import Ack
from contracts.store_orders import StoreMenu, StoreOrder, StoreOrderLine
from mqttlink import MqttSettings
from tests.hub.seed import register_device, seed_store
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration


async def test_menu_changes_reach_the_store_retained(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    r = client.patch(f"/stores/{store.store_id}/menu-items/KB", json={"price_fen": 4200}, headers=headers)
    assert r.status_code == 200
    menu_topic = topics.STORE_MENU.build(root=root, store_id=store.store_id)

    def latest(watcher: Watcher) -> StoreMenu | None:
        menus = [decode(m.payload, StoreMenu).body for m in watcher.messages]
        return menus[-1] if menus else None

    def has_new_price(watcher: Watcher) -> bool:
        m = latest(watcher)
        return m is not None and any(i.menu_item_id == "KB" and i.price_fen == 4200 for i in m.items)

    # The relay publishes when it gets to it: a store already connected may get the change live.
    async with Watcher(mosquitto_settings) as edge:
        await edge.watch(menu_topic)
        await edge.wait_until(lambda: has_new_price(edge))
    # A store that connects only now gets the changed menu from the broker: it was published retained.
    async with Watcher(mosquitto_settings) as later:
        await later.watch(menu_topic)
        await later.wait_until(lambda: has_new_price(later))
    menu = latest(later)
    assert menu is not None
    assert later.messages[-1].retain
    assert menu.station_names == {"wok": "炒锅", "grill": "烧烤", "drinks": "饮品"}
    assert {i.menu_item_id: i.station_ids for i in menu.items}["TC"] == ("grill", "wok")


async def test_an_offline_store_order_syncs_once_and_keeps_its_id(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "edge-x", store_id=store.store_id)
    order_id = str(uuid.uuid4())
    body = StoreOrder(
        order_id=order_id,
        store_id=store.store_id,
        local_order_id="pos-0042",
        order_number="T42",
        placed_at=datetime.now(UTC),
        notes="堂食 3号桌",
        lines=(
            StoreOrderLine(menu_item_id="KB", quantity=1),
            StoreOrderLine(menu_item_id="CH", quantity=4, modifiers=("多孜然",)),
        ),
    )
    envelope = wrap(body, source="edge-x")
    async with Watcher(mosquitto_settings) as edge:
        await edge.watch(topics.ACK.build(root=root, device_id="edge-x"))
        await edge.watch(topics.KITCHEN_TICKET.wildcard(root=root, store_id=store.store_id))
        is_ack = lambda m: "/acks/" in m.topic  # noqa: E731
        for copies in (1, 2):  # the edge resends until it hears the ack, and once more after it
            await edge.link.publish(topics.STORE_ORDER.build(root=root, store_id=store.store_id), encode(envelope))
            acks = await edge.wait_for(copies, is_ack)
        tickets = await edge.wait_for(2, lambda m: not is_ack(m))
    assert all(decode(a.payload, Ack).body.message_ids == (envelope.id,) for a in acks)
    order = client.get(f"/orders/{order_id}", headers=headers).json()
    assert (order["channel"], order["external_id"], order["order_number"]) == ("store-pos", "pos-0042", "T42")
    assert order["total_fen"] == 3800 + 4 * 600
    listed = client.get("/orders", params={"store_id": store.store_id}, headers=headers).json()
    assert [o["id"] for o in listed] == [order_id]
    sent = sorted(decode(t.payload, KitchenTicket).body.ticket_id for t in tickets)
    assert sent == [f"{order_id}:grill", f"{order_id}:wok"]
