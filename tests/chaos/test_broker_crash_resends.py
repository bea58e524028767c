"""The central broker dies while tickets wait for an offline store: every ticket still prints, once.

A Mosquitto of the test's own runs the shipped ``brigade-central.conf`` (the hub's own listener and
account, the device listener with the store agent's provisioned account). The agent goes offline,
three orders are placed (six tickets; the broker acknowledged each, which is not delivery), the broker
is stopped and started again, the agent comes back. The hub re-publishes the tickets no edge has
confirmed; the edge's spool drops every copy after the first. Nobody asks for a reprint.

Three ways the broker goes down: a clean restart (everything queued survives, so the agent receives
each ticket several times), SIGKILL (up to the last autosave interval of queued messages lost), and
SIGKILL with its database gone (everything queued lost: only the hub's resends bring the tickets).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import create_app
from hub.db import Database
from hub.devices.broker_accounts import BrokerProvisioner
from hub.devices.broker_settings import BrokerFilesSettings
from mqttlink import MqttSettings
from tests.chaos.waiting import eventually
from tests.databases import postgres_database
from tests.edge_agent.harness import SimStore, sim_store
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.hub.server import serve
from tests.services import CentralFiles, PrivateMosquitto, free_port, private_mosquitto

pytestmark = [pytest.mark.chaos, pytest.mark.integration]


@dataclass
class Central:
    broker: PrivateMosquitto
    hub: httpx.Client
    store_id: str
    device: MqttSettings


@pytest.fixture
def central(tmp_path: Path, topic_root: str) -> Iterator[Central]:
    files = Path(tempfile.mkdtemp(prefix="brigade-central-"))
    files.chmod(0o755)  # mosquitto reads them after dropping root
    try:
        with postgres_database() as url:
            hub_mqtt = MqttSettings(
                port=free_port(),
                client_id=f"brigade-hub-t{uuid.uuid4().hex[:8]}",
                username="hub-central",
                password=f"hub-{uuid.uuid4().hex}",  # type: ignore[arg-type]
                topic_root=topic_root,
                shared_group="hub",
                reconnect_min_s=0.2,
                reconnect_max_s=1.0,
            )
            broker_files = BrokerFilesSettings(
                password_file=files / "devices.passwd",
                hub_password_file=files / "hub.passwd",
                acl_file=files / "brigade.acl",
                file_mode=0o644,
            )
            db = Database.from_url(url)
            with db.session() as session:  # the files exist before the broker first starts
                BrokerProvisioner(broker_files, hub_mqtt).sync(session)
            db.dispose()
            with private_mosquitto(CentralFiles(files, hub_mqtt.port)) as broker:
                settings = rest_settings(
                    url,
                    tmp_path,
                    run_relay=True,
                    run_bridge=True,
                    run_jobs=True,
                    mqtt=hub_mqtt,
                    broker=broker_files.model_copy(update={"pid_file": broker.pid_path}),
                    ticket_confirm_timeout_s=0.5,
                    ticket_resend_interval_s=0.5,  # short for the test; 15 s by default
                    ticket_resend_max_interval_s=1.0,
                    ticket_resend_max=100,
                )
                with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=10) as client:
                    client.headers.update(login(client, make_admin(url)))
                    store_id = seed_store(client, dict(client.headers)).store_id
                    device_id = f"edge-{uuid.uuid4().hex[:8]}"
                    secret = register_device(client, dict(client.headers), device_id, store_id=store_id)
                    device = MqttSettings(
                        port=broker.port,
                        client_id=device_id,
                        username=device_id,
                        password=secret,  # type: ignore[arg-type]
                        topic_root=topic_root,
                        reconnect_min_s=0.2,
                        reconnect_max_s=1.0,
                        publish_timeout_s=5,
                    )
                    yield Central(broker, client, store_id, device)
    finally:
        shutil.rmtree(files, ignore_errors=True)


@pytest.fixture
async def store(central: Central, tmp_path: Path) -> AsyncIterator[SimStore]:
    mqtt = central.device
    # outbox_retry_s: Mosquitto 2.0.11 does not restore the hub's shared subscriptions from its database, so
    # what the agent publishes between the restart and the hub's resubscription reaches the hub only when
    # the agent's outbox sends it again (60 s by default).
    async with sim_store(
        tmp_path / "edge", store_id=central.store_id, mqtt=mqtt, device_id=mqtt.client_id, outbox_retry_s=2
    ) as s:
        yield s


def _tickets(hub: httpx.Client, order_ids: list[str]) -> list[dict[str, Any]]:
    return [r for oid in order_ids for r in hub.get("/kitchen/tickets", params={"order_id": oid}).json()]


def _events(hub: httpx.Client, order_id: str) -> list[str]:
    return [e["type"] for e in hub.get(f"/orders/{order_id}/events").json()]


def _unconfirmed_gauge(hub: httpx.Client) -> float:
    match = re.search(r"^brigade_kitchen_tickets_unconfirmed (\S+)$", hub.get("/metrics").text, re.MULTILINE)
    assert match is not None
    return float(match.group(1))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("crash", ["sigterm", "sigkill", "sigkill_database_lost"])
async def test_tickets_queued_for_an_offline_store_survive_a_broker_crash_and_print_once(
    central: Central, store: SimStore, crash: str
) -> None:
    hub = central.hub
    agent = await store.start_agent()  # its persistent session and subscriptions exist at the broker
    await agent.link.wait_connected(10)
    await store.stop_agent()  # the store goes offline

    order_ids = []
    for _ in range(3):
        r = hub.post("/orders", json=order_body(central.store_id))
        assert r.status_code == 201, r.text
        order_ids.append(r.json()["id"])

    def sent(count: int) -> bool:  # the broker's PUBACK, which is not delivery
        tickets = _tickets(hub, order_ids)
        return len(tickets) == count and all(t["sent_at"] and not t["delivered_at"] for t in tickets)

    await eventually(lambda: sent(6), what="six tickets sent")
    await eventually(lambda: _unconfirmed_gauge(hub) == 6, what="the unconfirmed alert")
    if crash == "sigterm":  # copies queue up for the offline store: it will receive each ticket several times

        def resent() -> bool:
            return all(_events(hub, oid).count("kitchen.ticket_resent") >= 2 for oid in order_ids)

        await eventually(resent, what="every ticket re-published while the store is offline")
    tickets = _tickets(hub, order_ids)

    broker = central.broker
    await asyncio.to_thread(broker.stop, signal.SIGTERM if crash == "sigterm" else signal.SIGKILL)
    if crash == "sigkill_database_lost":
        (broker.workdir / "mosquitto.db").unlink(missing_ok=True)
    await asyncio.to_thread(broker.start)

    agent = await store.start_agent()  # the store comes back
    printed = await store.wait_printed(6, timeout=30)
    await eventually(
        lambda: all(t["printed_at"] for t in _tickets(hub, order_ids)), timeout=30, what="the hub hears all printed"
    )
    await eventually(lambda: _unconfirmed_gauge(hub) == 0, what="the alert cleared")
    if crash == "sigterm":  # everything queued survived: the original and its resends all arrive
        await eventually(lambda: agent.intake.duplicates >= 6, what="the resent copies reach the store")

    on_paper = [t for t in store.printed() if t.complete]
    assert sorted(t.ticket_id for t in on_paper) == sorted(t["ticket_id"] for t in tickets), "each ticket once"
    assert not any(t.reprint for t in on_paper), "no REPRINT copy"
    assert len(printed) == 6
    for order_id in order_ids:
        assert "kitchen.reprint_requested" not in _events(hub, order_id), "no manual reprint"
