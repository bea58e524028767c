"""A rider tracker's delivery events through the hub's bridge (in-memory broker, real SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import col

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.rider import DeliveryEvent, DeliveryEventKind, FailureReason
from hub.bridge.delivery_routes import delivery_routes
from hub.bridge.mqtt_bridge import MqttBridge
from hub.db import Database
from hub.delivery.settings import DeliverySettings
from hub.delivery.tables import Delivery
from hub.metrics import HubMetrics
from hub.orders.tables import Order
from mqttlink import FakeBroker, FakeMqttLink, MqttMessage
from tests.hub.delivery.helpers import make_rider, ready_order
from tests.hub.seed import SeededStore

ROOT = "brigade"


@pytest.fixture
async def bridge(sqlite_url: str) -> AsyncIterator[tuple[MqttBridge, FakeBroker]]:
    db = Database.from_url(sqlite_url)
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    yield MqttBridge(db, link, HubMetrics(), delivery_routes(DeliverySettings()), root=ROOT, source="hub"), broker
    await link.stop()
    db.dispose()


async def _send(bridge: MqttBridge, rider_id: str, order_id: str, kind: DeliveryEventKind, **fields: Any) -> str:
    route = next(r for r in delivery_routes(DeliverySettings()) if r.template is topics.RIDER_EVENT)
    body = DeliveryEvent(rider_id=rider_id, order_id=order_id, kind=kind, at=datetime.now(UTC), **fields)
    envelope = wrap(body, source=f"trk-{rider_id}")
    message = MqttMessage(topics.RIDER_EVENT.build(root=ROOT, rider_id=rider_id), encode(envelope))
    await bridge.handle(route, message, envelope, {"rider_id": rider_id})
    return str(envelope.id)


def _events(client: TestClient, headers: dict[str, str], order_id: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in client.get(f"/orders/{order_id}/events", headers=headers).json() if e["type"] == kind]


def _status(client: TestClient, headers: dict[str, str], order_id: str) -> str:
    return str(client.get(f"/orders/{order_id}", headers=headers).json()["status"])


async def test_pick_up_arrive_fail_and_another_riders_attempt(
    bridge: tuple[MqttBridge, FakeBroker], client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    hub_bridge, broker = bridge
    mine, other = (make_rider(client, admin_headers, store.store_id) for _ in range(2))
    order = ready_order(client, admin_headers, store.store_id)["id"]
    client.post(f"/orders/{order}/delivery/assign", json={"rider_id": mine}, headers=admin_headers)

    await _send(hub_bridge, other, order, DeliveryEventKind.PICKED_UP)
    assert _status(client, admin_headers, order) == "assigned"
    dead = [decode(m.payload, DeadLetter).body for m in broker.messages_on(topics.DEAD_LETTER.build(root=ROOT))]
    assert [d.reason.split(":")[0] for d in dead] == ["delivery.other_rider"]

    await _send(hub_bridge, mine, order, DeliveryEventKind.PICKED_UP)
    await _send(hub_bridge, mine, order, DeliveryEventKind.ARRIVED, lat=31.24, lon=121.5)
    await _send(hub_bridge, mine, order, DeliveryEventKind.ARRIVED)  # pressed twice
    arrived = _events(client, admin_headers, order, "delivery.arrived")
    assert len(arrived) == 1 and arrived[0]["data"]["source"] == "rider"

    await _send(hub_bridge, mine, order, DeliveryEventKind.FAILED, reason=FailureReason.NOT_HOME, note="电话无人接")
    await _send(hub_bridge, mine, order, DeliveryEventKind.FAILED, reason=FailureReason.NOT_HOME)
    assert _status(client, admin_headers, order) == "failed"
    failed = [e for e in _events(client, admin_headers, order, "order.status_changed") if e["data"]["to"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["data"]["failure_reason"] == "not_home" and failed[0]["data"]["rider_id"] == mine
    acked = [
        a for m in broker.messages_on(topics.ACK.wildcard(root=ROOT)) for a in decode(m.payload, Ack).body.message_ids
    ]
    assert len(acked) == 6  # every event acked, the refused one too (it was dead-lettered, not lost)


async def test_a_rider_who_grabs_a_ready_order_and_proves_delivery_with_a_note(
    bridge: tuple[MqttBridge, FakeBroker], client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    hub_bridge, _ = bridge
    rider_id = make_rider(client, admin_headers, store.store_id)
    order = ready_order(client, admin_headers, store.store_id)["id"]
    await _send(hub_bridge, rider_id, order, DeliveryEventKind.PICKED_UP)
    delivery = client.get(f"/orders/{order}/delivery", headers=admin_headers).json()
    assert delivery["rider_id"] == rider_id and delivery["pinned"] is True and delivery["stage"] == "picked_up"
    await _send(hub_bridge, rider_id, order, DeliveryEventKind.DELIVERED, note="放门口保温箱, 已拍照")
    delivered = [
        e for e in _events(client, admin_headers, order, "order.status_changed") if e["data"]["to"] == "delivered"
    ]
    assert delivered[0]["data"]["proof"] == {"kind": "note", "note": "放门口保温箱, 已拍照"}
    assert len(_events(client, admin_headers, order, "delivery.arrived")) == 1  # implied by the delivery
    statuses = [e["data"]["to"] for e in _events(client, admin_headers, order, "order.status_changed")]
    assert statuses == ["ready", "assigned", "picked_up", "delivered"]


async def test_a_report_that_arrives_an_hour_late_is_written_at_the_hubs_time_and_happened_at_the_riders(
    sqlite_url: str, client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    """The tracker was offline and sends its spooled "failed" an hour after it happened: the failure keeps
    the rider's time, while the order and delivery are stamped as changed now, so the analytics rollups'
    refresh (changes since its watermark) counts it."""
    hub_now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    happened = hub_now - timedelta(hours=1)
    db = Database.from_url(sqlite_url)
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    routes = delivery_routes(DeliverySettings(), clock=lambda: hub_now)
    hub_bridge = MqttBridge(db, link, HubMetrics(), routes, root=ROOT, source="hub")
    try:
        rider = make_rider(client, admin_headers, store.store_id)
        order = ready_order(client, admin_headers, store.store_id)["id"]
        client.post(f"/orders/{order}/delivery/assign", json={"rider_id": rider}, headers=admin_headers)
        route = next(r for r in routes if r.template is topics.RIDER_EVENT)
        for kind, fields in (
            (DeliveryEventKind.PICKED_UP, {}),
            (DeliveryEventKind.FAILED, {"reason": FailureReason.NOT_HOME}),
        ):
            body = DeliveryEvent(rider_id=rider, order_id=order, kind=kind, at=happened, **fields)  # type: ignore[arg-type]
            envelope = wrap(body, source=f"trk-{rider}")
            message = MqttMessage(topics.RIDER_EVENT.build(root=ROOT, rider_id=rider), encode(envelope))
            await hub_bridge.handle(route, message, envelope, {"rider_id": rider})
        with db.session() as session:
            stored = session.execute(
                select(Order.updated_at, Delivery.updated_at, Delivery.failed_at)
                .join(Delivery, col(Delivery.order_id) == col(Order.id))
                .where(col(Order.id) == order)
            ).one()
    finally:
        await link.stop()
        db.dispose()
    assert _status(client, admin_headers, order) == "failed"
    assert tuple(stored) == (hub_now, hub_now, happened)
