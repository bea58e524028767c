"""The whole kitchen path: POST an order to a hub on PostgreSQL; the store's simulated printers print
it, the kitchen display shows it, and bumping every station makes the order ready.

Real Mosquitto, real PostgreSQL, a real uvicorn hub with its relay and bridge, the edge agent,
simulated ESC/POS printers on TCP, and the KDS driven through Textual's pilot.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import decode
from hub.app import create_app as create_hub
from kds_terminal.app import create_app as create_kds
from mqttlink import MqttSettings
from tests.databases import postgres_database
from tests.edge_agent.harness import SimStore, sim_store
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.hub.server import serve
from tests.kds_terminal.pilot import KDS_SIZE, kds_settings, press_card, wait_acked, wait_for_card, wait_listening
from tests.mqtt_watch import Watcher

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.ui]


@pytest.fixture
def hub(tmp_path: Path, mosquitto_settings: MqttSettings) -> Iterator[tuple[httpx.Client, str]]:
    with postgres_database() as url:
        app = create_hub(mqtt_settings(url, tmp_path, mosquitto_settings))
        with serve(app) as base, httpx.Client(base_url=base, timeout=10) as client:
            client.headers.update(login(client, make_admin(url)))
            store_id = seed_store(client, dict(client.headers)).store_id
            register_device(client, dict(client.headers), f"kds-{store_id}-wok", "kds", store_id=store_id)
            yield client, store_id


@pytest.fixture
async def store(
    hub: tuple[httpx.Client, str], tmp_path: Path, mosquitto_settings: MqttSettings
) -> AsyncIterator[SimStore]:
    client, store_id = hub
    device_id = f"edge-{uuid.uuid4().hex[:8]}"
    register_device(client, dict(client.headers), device_id, store_id=store_id)
    mqtt = mosquitto_settings.model_copy(update={"client_id": device_id})
    async with sim_store(tmp_path / "edge", store_id=store_id, mqtt=mqtt, device_id=device_id) as s:
        await s.start_agent()
        yield s


async def _agent_listening(store: SimStore, mqtt: MqttSettings) -> None:
    """The agent subscribes on connect, then publishes its presence: once that is visible, it listens."""
    assert store.agent is not None
    topic = topics.PRESENCE.build(root=mqtt.topic_root, client_id=store.agent.settings.device_id)
    async with Watcher(mqtt) as watcher:
        await watcher.watch(topic)
        await watcher.wait_until(
            lambda: any(decode(m.payload, Presence).body.status is PresenceStatus.ONLINE for m in watcher.messages)
        )


async def test_an_order_prints_shows_on_the_kds_and_bumps_to_ready(
    hub: tuple[httpx.Client, str], store: SimStore, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    client, store_id = hub
    kds = create_kds(kds_settings(tmp_path, store_id=store_id, stations=["wok", "grill"], mqtt=mosquitto_settings))
    async with kds.run_test(size=KDS_SIZE) as pilot:
        await wait_listening(pilot, kds, mosquitto_settings)
        await _agent_listening(store, mosquitto_settings)

        posted_at = time.time()
        r = client.post("/orders", json=order_body(store_id))
        assert r.status_code == 201, r.text
        order_id = r.json()["id"]
        printed = await store.wait_printed(2, timeout=5)
        wok = next(t for t in printed if t.station_id == "wok")
        grill = next(t for t in printed if t.station_id == "grill")
        assert "2x 宫保鸡丁" in wok.text and "10x 羊肉串" in grill.text
        # How fast is measured by bench/kitchen_latency.py (BENCHMARKS.md), not by a timed test.
        assert all(t.printed_at is not None and t.printed_at >= posted_at for t in printed)

        await wait_for_card(pilot, f"{order_id}:wok")
        await wait_for_card(pilot, f"{order_id}:grill")
        await press_card(pilot, kds, f"{order_id}:wok", "enter")
        await press_card(pilot, kds, f"{order_id}:grill", "enter")
        await wait_acked(pilot, kds)

    status = client.get(f"/orders/{order_id}").json()["status"]
    assert status == "ready"
    tickets = client.get("/kitchen/tickets", params={"order_id": order_id}).json()
    assert {t["station_code"]: t["printed_at"] is not None for t in tickets} == {"wok": True, "grill": True}
