"""The edge agent against the machine's Mosquitto and a real hub (SQLite, real uvicorn, relay and bridge)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from contracts import topics
from contracts.devices import DeviceState, Presence, PresenceStatus, PrinterStatus
from contracts.envelope import decode
from contracts.messaging import DeadLetter
from firmware_sim.printer import Fault
from hub.app import create_app
from mqttlink import MqttSettings
from tests.databases import sqlite_database
from tests.edge_agent.harness import SimStore, sim_store
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.hub.server import serve
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration


@pytest.fixture
def hub(tmp_path: Path, mosquitto_settings: MqttSettings) -> Iterator[tuple[httpx.Client, str]]:
    url = sqlite_database(tmp_path)
    app = create_app(mqtt_settings(url, tmp_path, mosquitto_settings))
    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        headers = login(client, make_admin(url))
        client.headers.update(headers)
        store = seed_store(client, headers)
        yield client, store.store_id


@pytest.fixture
async def store(
    hub: tuple[httpx.Client, str], tmp_path: Path, mosquitto_settings: MqttSettings
) -> AsyncIterator[SimStore]:
    client, store_id = hub
    mqtt = mosquitto_settings.model_copy(update={"client_id": f"edge-{uuid.uuid4().hex[:8]}"})
    register_device(client, dict(client.headers), mqtt.client_id, store_id=store_id)
    async with sim_store(tmp_path / "edge", store_id=store_id, mqtt=mqtt, device_id=mqtt.client_id) as s:
        await s.start_agent()
        await s.agent.link.wait_connected(10)  # type: ignore[union-attr]
        yield s


def _tickets(client: httpx.Client, order_id: str) -> dict[str, dict[str, object]]:
    rows = client.get("/kitchen/tickets", params={"order_id": order_id}).json()
    return {r["station_code"]: r for r in rows}


async def test_an_order_prints_at_its_stations_and_the_hub_sees_it_delivered_and_printed(
    hub: tuple[httpx.Client, str], store: SimStore, mosquitto_settings: MqttSettings
) -> None:
    client, store_id = hub
    r = client.post("/orders", json=order_body(store_id))
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    printed = await store.wait_printed(2)
    assert {(t.station_id, t.printer) for t in printed} == {("wok", "wok"), ("grill", "grill")}
    wok = next(t for t in printed if t.station_id == "wok")
    assert "2x 宫保鸡丁" in wok.text and "+ 少辣" in wok.text and "过敏: 花生" in wok.text
    assert "Customer 王**" in wok.text and "王小明" not in wok.text
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.wait_until(
            lambda: all(t["printed_at"] and t["delivered_at"] for t in _tickets(client, order_id).values())
        )
    events = [e["type"] for e in client.get(f"/orders/{order_id}/events").json()]
    assert events.count("kitchen.ticket_printed") == 2
    await store.agent.outbox.flush_once()  # type: ignore[union-attr]
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.wait_until(lambda: store.agent.outbox.pending() == 0)  # type: ignore[union-attr]


async def test_health_and_presence_are_retained_and_garbage_is_dead_lettered(
    hub: tuple[httpx.Client, str], store: SimStore, mosquitto_settings: MqttSettings
) -> None:
    client, store_id = hub
    root = mosquitto_settings.topic_root
    store.printers["grill"].printer.set_fault(Fault.PAPER_OUT)
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.DEAD_LETTER.build(root=root))
        await watcher.link.publish(
            topics.KITCHEN_TICKET.build(root=root, store_id=store_id, station_id="wok"), b"{garbage"
        )
        await watcher.wait_for(1, lambda m: m.topic.endswith("dead-letter"))
        r = client.post("/orders", json=order_body(store_id))
        assert r.status_code == 201
        printed = await store.wait_printed(2)
        assert {(t.station_id, t.printer, t.backup_from) for t in printed} == {
            ("wok", "wok", None),
            ("grill", "backup", "grill"),
        }
    dead = [decode(m.payload, DeadLetter).body for m in watcher.messages]
    assert dead[0].consumer == store.agent.settings.device_id  # type: ignore[union-attr]

    async with Watcher(mosquitto_settings) as late:  # joins later: retained state is there
        await late.watch(topics.DEVICE_STATE.wildcard(root=root, store_id=store_id))
        await late.watch(topics.PRESENCE.wildcard(root=root))
        device_id = store.agent.settings.device_id  # type: ignore[union-attr]

        def states() -> dict[str, object]:
            out: dict[str, object] = {}
            for envelope in late.envelopes():
                body = envelope.body
                if isinstance(body, DeviceState):
                    out[body.device_id] = body.status
                elif isinstance(body, Presence) and body.client_id == device_id:
                    out["presence"] = body.status
            return out

        await late.wait_until(lambda: {"grill-p", device_id, "presence"} <= states().keys())
        assert states()["grill-p"] is PrinterStatus.PAPER_OUT
        assert states()["presence"] is PresenceStatus.ONLINE
        assert states()[device_id] is PrinterStatus.ONLINE
        await store.stop_agent()
        await late.wait_until(lambda: states().get("presence") is PresenceStatus.OFFLINE)
