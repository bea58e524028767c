"""The outbox, the inbox and the bridge against real PostgreSQL and Mosquitto."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.kitchen import KitchenTicket, TicketReceived, TicketState, TicketStatus
from contracts.messaging import Ack, DeadLetter
from hub.db import Database
from hub.kitchen.tables import KitchenTicketRecord
from mqttlink import MqttSettings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.mqtt_watch import Watcher
from tests.services import free_port, wait_for_port

pytestmark = pytest.mark.integration


def _hub_process(pg_url: str, mqtt: MqttSettings, port: int, *, relay: bool, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BRIGADE_DATABASE_URL": pg_url,
        "BRIGADE_RUN_RELAY": str(relay).lower(),
        "BRIGADE_RUN_BRIDGE": "false",
        "BRIGADE_RUN_JOBS": "false",
        "BRIGADE_SECRET_KEY": "x" * 40,
        "BRIGADE_VAR_DIR": str(tmp_path),
        "BRIGADE_MQTT__HOST": mqtt.host,
        "BRIGADE_MQTT__PORT": str(mqtt.port),
        "BRIGADE_MQTT__TOPIC_ROOT": mqtt.topic_root,
        "BRIGADE_MQTT__CLIENT_ID": f"hub-{uuid.uuid4().hex[:8]}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", str(port), "--no-migrate", "--log-level", "warning"], env=env
    )
    wait_for_port("127.0.0.1", port, timeout=30)
    return proc


def _sent(pg_url: str, order_id: str) -> bool:
    db = Database.from_url(pg_url)
    with db.session() as session:
        rows = session.execute(
            select(KitchenTicketRecord.sent_at).where(KitchenTicketRecord.order_id == order_id)  # type: ignore[call-overload]
        ).all()
    db.dispose()
    return bool(rows) and all(r.sent_at is not None for r in rows)


async def test_outbox_survives_a_hub_crash_between_commit_and_publish(
    fresh_pg_url: str, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    root = mosquitto_settings.topic_root
    port = free_port()
    hub = _hub_process(fresh_pg_url, mosquitto_settings, port, relay=False, tmp_path=tmp_path)
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.KITCHEN_TICKET.wildcard(root=root))
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                headers = login(httpx.Client(base_url=f"http://127.0.0.1:{port}"), make_admin(fresh_pg_url))
                store = seed_store(httpx.Client(base_url=f"http://127.0.0.1:{port}"), headers)
                r = await client.post("/orders", json=order_body(store.store_id), headers=headers)
                assert r.status_code == 201
                order_id = r.json()["id"]
        finally:
            hub.send_signal(signal.SIGKILL)  # committed, never published
            hub.wait(10)
        assert watcher.messages == []

        hub = _hub_process(fresh_pg_url, mosquitto_settings, port, relay=True, tmp_path=tmp_path)
        try:
            tickets = await watcher.wait_for(2)
            assert sorted(decode(m.payload, KitchenTicket).body.station_id for m in tickets) == ["grill", "wok"]
            await watcher.wait_until(lambda: _sent(fresh_pg_url, order_id))
            # A later order's tickets come after any republish of the first ones would have.
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                later = await client.post(
                    "/orders", json=order_body(store.store_id, lines=[{"sku": "NM", "quantity": 1}]), headers=headers
                )
                assert later.status_code == 201
            await watcher.wait_for(1, lambda m: decode(m.payload).body.order_id == later.json()["id"])
        finally:
            hub.terminate()
            hub.wait(20)
    first = [decode(m.payload, KitchenTicket).body for m in watcher.messages]
    assert sorted(t.ticket_id for t in first if t.order_id == order_id) == sorted(
        [f"{order_id}:grill", f"{order_id}:wok"]
    ), "each ticket exactly once"


async def test_a_redelivered_device_message_is_applied_once(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "edge-test", store_id=store.store_id)
    order = client.post("/orders", json=order_body(store.store_id), headers=headers).json()
    received = TicketReceived(
        ticket_id=f"{order['id']}:wok",
        order_id=order["id"],
        revision=1,
        store_id=store.store_id,
        station_id="wok",
        at=datetime.now(UTC),
    )
    envelope = wrap(received, source="edge-test")
    topic = topics.TICKET_RECEIVED.build(root=root, store_id=store.store_id, station_id="wok")
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.ACK.build(root=root, device_id="edge-test"))
        for _ in range(3):  # the device did not hear the ack and sent it again, twice
            await watcher.link.publish(topic, encode(envelope))
        await watcher.wait_for(1)  # copies that arrive while the first waits are answered by its ack
        await watcher.link.publish(topic, encode(envelope))  # and once more after that ack: answered too
        acks = await watcher.wait_for(2)
    assert all(decode(a.payload, Ack).body.message_ids == (envelope.id,) for a in acks)
    events = client.get(f"/orders/{order['id']}/events", headers=headers).json()
    assert [e["type"] for e in events].count("kitchen.ticket_delivered") == 1
    wok = client.get("/kitchen/tickets", params={"order_id": order["id"]}, headers=headers).json()
    assert {t["station_code"]: t["delivered_at"] is not None for t in wok} == {"wok": True, "grill": False}


async def test_the_inbox_drops_redeliveries_even_when_the_effect_is_not_idempotent(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    """Each "cooking" status appends an order event: only the inbox keeps a redelivery from adding one."""
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "kds-1", "kds", store_id=store.store_id)
    order = client.post("/orders", json=order_body(store.store_id), headers=headers).json()
    cooking = TicketStatus(
        ticket_id=f"{order['id']}:wok",
        order_id=order["id"],
        store_id=store.store_id,
        station_id="wok",
        state=TicketState.COOKING,
        device_id="kds-1",
        at=datetime.now(UTC),
    )
    first, again = wrap(cooking, source="kds-1"), wrap(cooking, source="kds-1")  # two real cooking reports
    topic = topics.TICKET_STATUS.build(root=root, store_id=store.store_id, station_id="wok")
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.ACK.build(root=root, device_id="kds-1"))
        for envelope in (first, first, first, again, again):
            await watcher.link.publish(topic, encode(envelope))
        acked = lambda: {i for m in watcher.messages for i in decode(m.payload, Ack).body.message_ids}  # noqa: E731
        await watcher.wait_until(lambda: acked() == {first.id, again.id})
    events = client.get(f"/orders/{order['id']}/events", headers=headers).json()
    assert [e["type"] for e in events].count("kitchen.ticket_cooking") == 2


async def test_malformed_payloads_go_to_dead_letter_and_the_bridge_keeps_consuming(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "edge-test", store_id=store.store_id)
    order = client.post("/orders", json=order_body(store.store_id), headers=headers).json()
    topic = topics.TICKET_RECEIVED.build(root=root, store_id=store.store_id, station_id="wok")
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.DEAD_LETTER.build(root=root))
        await watcher.watch(topics.ACK.build(root=root, device_id="edge-test"))
        await watcher.link.publish(topic, b"\x00garbage{")
        await watcher.link.publish(topic, b'{"v":1,"type":"kitchen.ticket_received","source":"edge-test","body":{}}')
        unknown = TicketReceived(
            ticket_id="no-such:wok",
            order_id="no-such",
            revision=1,
            store_id=store.store_id,
            station_id="wok",
            at=datetime.now(UTC),
        )
        unknown_envelope = wrap(unknown, source="edge-test")
        await watcher.link.publish(topic, encode(unknown_envelope))
        good = wrap(
            TicketReceived(
                ticket_id=f"{order['id']}:wok",
                order_id=order["id"],
                revision=1,
                store_id=store.store_id,
                station_id="wok",
                at=datetime.now(UTC),
            ),
            source="edge-test",
        )
        await watcher.link.publish(topic, encode(good))
        is_dead = lambda m: m.topic.endswith("dead-letter")  # noqa: E731
        dead = await watcher.wait_for(3, is_dead)
        await watcher.wait_for(1, lambda m: not is_dead(m) and decode(m.payload, Ack).body.message_ids == (good.id,))
        acks = [decode(m.payload, Ack).body for m in watcher.messages if not is_dead(m)]
    refused = next(a for a in acks if a.message_ids == (unknown_envelope.id,))
    assert [(r.message_id, r.code) for r in refused.refused] == [(unknown_envelope.id, "not_found")]
    assert "no kitchen ticket no-such:wok" in refused.refused[0].reason  # the device can show why
    assert next(a for a in acks if a.message_ids == (good.id,)).refused == ()
    reasons = [decode(m.payload, DeadLetter).body.reason for m in dead]
    assert "not a Brigade envelope" in reasons[0]
    assert "invalid kitchen.ticket_received" in reasons[1]
    assert "no kitchen ticket no-such:wok" in reasons[2]
    assert all(decode(m.payload, DeadLetter).body.topic == topic for m in dead)
    events = client.get(f"/orders/{order['id']}/events", headers=headers).json()
    assert [e["type"] for e in events].count("kitchen.ticket_delivered") == 1
