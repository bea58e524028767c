"""What an operator sees of a store: the agent's log at INFO, and ``GET /devices`` at the hub showing the
agent's state and the printers it really runs (its own configuration, not only what the hub registered)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import decode
from firmware_sim.printer import Fault
from firmware_sim.store_sim import SimulatedStore
from hub.app import create_app
from mqttlink import MqttSettings, PahoMqttLink
from tests.databases import sqlite_database
from tests.edge_agent.harness import sim_store
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, seed_store
from tests.hub.server import serve
from tests.kds_terminal.pilot import make_ticket, publish_ticket, wait_any
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration


@pytest.fixture
def hub(tmp_path: Path, mosquitto_settings: MqttSettings) -> Iterator[tuple[httpx.Client, str]]:
    url = sqlite_database(tmp_path)
    app = create_app(mqtt_settings(url, tmp_path, mosquitto_settings))
    with serve(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        client.headers.update(login(client, make_admin(url)))
        yield client, seed_store(client, dict(client.headers)).store_id


async def test_devices_shows_the_agent_state_and_the_printers_it_runs(
    hub: tuple[httpx.Client, str], tmp_path: Path, mosquitto_settings: MqttSettings
) -> None:
    client, store_id = hub
    device_id = f"edge-{uuid.uuid4().hex[:8]}"
    r = client.post("/devices", json={"device_id": device_id, "kind": "edge_agent", "store_id": store_id})
    assert r.status_code == 201, r.text
    for printer_id in (f"wok-{store_id}", f"old-{store_id}"):  # registered at the hub; the agent runs neither id
        r = client.post(
            f"/stores/{store_id}/printers",
            json={"id": printer_id, "name": printer_id, "connection": "tcp://127.0.0.1:9100", "station_code": "wok"},
        )
        assert r.status_code == 201, r.text

    mqtt = mosquitto_settings.model_copy(update={"client_id": device_id})
    async with sim_store(
        tmp_path / "edge", store_id=store_id, mqtt=mqtt, device_id=device_id, status_poll_s=0.5
    ) as store:
        store.printers["grill"].printer.set_fault(Fault.PAPER_OUT)
        await store.start_agent()

        def agent() -> dict[str, Any]:
            return next(d for d in client.get("/devices").json() if d["id"] == device_id)

        def heard() -> bool:
            view = agent()
            grill = [p for p in view["printers"] if p["printer_id"] == "grill-p"]
            return view["presence"] == "online" and bool(grill) and grill[0]["status"] == "paper_out"

        await asyncio.to_thread(_wait, heard)
        view = agent()
        assert view["status"] == "online" and view["queue_depth"] == 0 and view["status_at"]
        printers = {p["printer_id"]: p for p in view["printers"]}
        assert set(printers) == {"wok-p", "grill-p", "backup-p", "receipt-p"}
        assert printers["wok-p"]["station"] == "wok" and printers["wok-p"]["fallback"] == "receipt-p"
        assert printers["wok-p"]["status"] == "online" and printers["wok-p"]["registered"] is False
        assert view["unreported_printers"] == sorted([f"old-{store_id}", f"wok-{store_id}"])
        await store.stop_agent()
        await asyncio.to_thread(_wait, lambda: agent()["presence"] == "offline")


def _wait(condition: Any, timeout: float = 15.0) -> None:
    """The hub is another thread's server: re-ask it every 100 ms."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the hub did not show it in time"
        time.sleep(0.1)


async def test_the_agent_process_logs_each_printed_ticket_at_info(
    tmp_path: Path, mosquitto_settings: MqttSettings
) -> None:
    device_id = f"edge-{uuid.uuid4().hex[:8]}"
    store = SimulatedStore(
        "s1", mqtt=mosquitto_settings, var_dir=tmp_path / "edge", agent_mode="process", device_id=device_id
    )
    await store.start()
    hub = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": f"hub-{device_id}"}))
    await hub.start()
    try:
        await hub.wait_connected(10)
        log = tmp_path / "edge" / "edge.log"
        async with Watcher(mosquitto_settings) as watcher:  # the agent announces itself once subscribed
            await watcher.watch(topics.PRESENCE.build(root=mosquitto_settings.topic_root, client_id=device_id))
            await watcher.wait_until(
                lambda: any(decode(m.payload, Presence).body.status is PresenceStatus.ONLINE for m in watcher.messages),
                timeout=60,
            )
        assert "edge agent" in log.read_text(), "the agent's start is logged at INFO"
        await publish_ticket(hub, make_ticket("o1"), root=mosquitto_settings.topic_root)
        await wait_any(lambda: "ticket o1:wok r1 printed on wok-p" in log.read_text(), timeout=60)
        assert " INFO edge_agent.printer_worker: ticket o1:wok r1 printed on wok-p in " in log.read_text()
    finally:
        await hub.stop()
        await store.stop()
