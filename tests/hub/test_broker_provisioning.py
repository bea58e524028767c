"""The central broker as shipped (``deploy/mosquitto/brigade-central.conf``), provisioned by the hub
from its device registry: per-device accounts over TLS, ACLs per store and rider, rotation and
revocation, a client id no device can steal from the hub."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.kitchen import TicketReceived
from contracts.messaging import Ack, DeadLetter
from hub.app import create_app
from hub.audit.tables import AuditEntry
from hub.db import Database
from hub.devices.broker_accounts import BrokerProvisioner
from hub.devices.broker_settings import BrokerFilesSettings
from mqttlink import LinkError, MqttMessage, MqttSettings, PahoMqttLink
from mqttlink.mosquitto_passwords import mosquitto_hash, verify_mosquitto_hash
from tests.databases import sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store
from tests.mqtt_watch import Watcher
from tests.services import CentralFiles, PrivateMosquitto, free_port, private_mosquitto, self_signed_certificate

pytestmark = pytest.mark.integration

AT = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)


@dataclass
class Central:
    broker: PrivateMosquitto
    client: TestClient
    headers: dict[str, str]
    hub_mqtt: MqttSettings
    ca: Path
    database_url: str

    @property
    def root(self) -> str:
        return self.hub_mqtt.topic_root

    def device(self, device_id: str, secret: str, *, client_id: str | None = None) -> MqttSettings:
        """How a device connects: its own username and secret, TLS, the device listener."""
        return MqttSettings(
            port=self.broker.port,
            client_id=client_id or device_id,
            username=device_id,
            password=secret,  # type: ignore[arg-type]
            tls=True,
            tls_ca_file=str(self.ca),
            topic_root=self.root,
            reconnect_min_s=0.2,
            reconnect_max_s=1.0,
            persistent_session=False,
            publish_timeout_s=5,
        )

    def register(self, device_id: str, kind: str = "edge_agent", **owner: str) -> str:
        r = self.client.post("/devices", json={"device_id": device_id, "kind": kind, **owner}, headers=self.headers)
        assert r.status_code == 201, r.text
        assert r.json()["broker"] == "provisioned"
        return str(r.json()["secret"])


@pytest.fixture
def central(tmp_path: Path, topic_root: str) -> Iterator[Central]:
    files = Path(tempfile.mkdtemp(prefix="brigade-central-"))
    files.chmod(0o755)  # mosquitto reads them after dropping root
    try:
        cert, key = self_signed_certificate(files)
        url = sqlite_database(tmp_path)
        hub_port = free_port()
        hub_mqtt = MqttSettings(
            port=hub_port,
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
        with private_mosquitto(CentralFiles(files, hub_port, certfile=cert, keyfile=key)) as broker:
            broker_files = broker_files.model_copy(update={"pid_file": broker.pid_path})
            settings = rest_settings(url, tmp_path, run_relay=True, run_bridge=True, mqtt=hub_mqtt, broker=broker_files)
            with TestClient(create_app(settings)) as client:
                yield Central(broker, client, login(client, make_admin(url)), hub_mqtt, cert, url)
    finally:
        shutil.rmtree(files, ignore_errors=True)


async def _connected(settings: MqttSettings) -> PahoMqttLink:
    link = PahoMqttLink(settings)
    await link.start()
    await link.wait_connected(10)
    return link


async def _refused(settings: MqttSettings) -> bool:
    link = PahoMqttLink(settings)
    await link.start()
    try:
        await link.wait_connected(3)
    except LinkError:
        return True
    finally:
        await link.stop()
    return False


async def _disconnected(link: PahoMqttLink, timeout: float = 10.0) -> None:
    async def wait() -> None:
        while link.connected:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)


async def test_devices_publish_and_read_only_under_their_own_store_or_rider(central: Central) -> None:
    root = central.root
    s1, s2 = seed_store(central.client, central.headers), seed_store(central.client, central.headers)
    edge = central.register("edge-s1", store_id=s1.store_id)
    bike = central.register("bike-1", "rider_tracker", rider_id="r-1")
    async with Watcher(central.hub_mqtt) as hub_eyes:  # the hub's account sees whatever gets through
        await hub_eyes.watch(f"{root}/#")
        edge_link = await _connected(central.device("edge-s1", edge))
        bike_link = await _connected(central.device("bike-1", bike))
        heard: list[MqttMessage] = []

        async def hear(message: MqttMessage) -> None:
            heard.append(message)

        try:
            await edge_link.subscribe(f"{root}/v1/stores/+/kitchen/+/tickets", hear)  # granted; reads are checked
            await bike_link.subscribe(topics.RIDER_ROUTE.wildcard(root=root), hear)
            for store_id, link in ((s2.store_id, edge_link), (s1.store_id, edge_link)):
                await link.publish(topics.STORE_ORDER.build(root=root, store_id=store_id), b"{}")
            for rider_id in ("r-2", "r-1"):
                await bike_link.publish(topics.RIDER_EVENT.build(root=root, rider_id=rider_id), b"{}")
            own = {topics.STORE_ORDER.build(root=root, store_id=s1.store_id), f"{root}/v1/riders/r-1/events"}
            await hub_eyes.wait_until(lambda: own <= {m.topic for m in hub_eyes.messages})
            foreign = {topics.STORE_ORDER.build(root=root, store_id=s2.store_id), f"{root}/v1/riders/r-2/events"}
            assert not foreign & {m.topic for m in hub_eyes.messages}, "denied: another store's, another rider's"

            for store_id in (s2.store_id, s1.store_id):  # the hub sends each store a ticket
                topic = topics.KITCHEN_TICKET.build(root=root, store_id=store_id, station_id="wok")
                await hub_eyes.link.publish(topic, store_id.encode())
            for rider_id in ("r-2", "r-1"):
                await hub_eyes.link.publish(topics.RIDER_ROUTE.build(root=root, rider_id=rider_id), rider_id.encode())
            await hub_eyes.wait_until(lambda: {m.payload for m in heard} >= {s1.store_id.encode(), b"r-1"})
            assert sorted(m.payload for m in heard) == sorted([s1.store_id.encode(), b"r-1"])
        finally:
            await edge_link.stop()
            await bike_link.stop()
    anonymous = central.device("edge-s1", edge).model_copy(update={"username": None, "password": None})
    assert await _refused(anonymous)
    assert await _refused(central.device("edge-s1", "not-the-secret"))
    on_hub_listener = central.device("edge-s1", edge).model_copy(update={"port": central.hub_mqtt.port, "tls": False})
    assert await _refused(on_hub_listener), "a device's credential does not open the hub's listener"


async def test_a_stolen_client_id_leaves_the_hub_its_session_and_a_forged_source_is_dead_lettered(
    central: Central,
) -> None:
    root = central.root
    store = seed_store(central.client, central.headers)
    secret = central.register("edge-sa", store_id=store.store_id)
    order = central.client.post("/orders", json=order_body(store.store_id), headers=central.headers).json()
    hub_id = central.hub_mqtt.client_id
    async with Watcher(central.hub_mqtt) as hub_eyes:
        await hub_eyes.watch(topics.DEAD_LETTER.build(root=root))
        await hub_eyes.watch(topics.ACK.wildcard(root=root))
        await hub_eyes.watch(topics.PRESENCE.build(root=root, client_id=hub_id))
        await hub_eyes.wait_for(1)  # the hub is connected (its retained presence)
        thief = await _connected(central.device("edge-sa", secret, client_id=hub_id))  # the id from the hub's log
        try:

            def received(source: str) -> bytes:
                body = TicketReceived(
                    ticket_id=f"{order['id']}:wok",
                    order_id=order["id"],
                    revision=1,
                    store_id=store.store_id,
                    station_id="wok",
                    at=AT,
                )
                return encode(wrap(body, source=source))

            topic = topics.TICKET_RECEIVED.build(root=root, store_id=store.store_id, station_id="wok")
            await thief.publish(topic, received("user:boss"))
            await thief.publish(topic, received("edge-sa"))
            await hub_eyes.wait_for(1, lambda m: "/acks/" in m.topic)  # the hub, still subscribed, applied it
        finally:
            await thief.stop()
    acks = [m for m in hub_eyes.messages if "/acks/" in m.topic]
    assert [m.topic.rsplit("/", 1)[1] for m in acks] == ["edge-sa"], "nothing went to acks/user:boss"
    assert decode(acks[0].payload, Ack).body.refused == ()
    dead = [decode(m.payload, DeadLetter).body for m in hub_eyes.messages if m.topic.endswith("dead-letter")]
    assert [(d.source, d.reason.split(":")[0]) for d in dead] == [("user:boss", "bridge.unknown_source")]
    presence = [m for m in hub_eyes.messages if m.topic.endswith(f"presence/{hub_id}")]
    assert all(b'"offline"' not in m.payload for m in presence), "the hub was never kicked off"
    log = (central.broker.workdir / "mosquitto.log").read_text()
    assert f"Client {hub_id} already connected" not in log
    events = central.client.get(f"/orders/{order['id']}/events", headers=central.headers).json()
    assert "user:boss" not in {e["actor"] for e in events}


async def test_rotation_and_revocation_take_effect_at_the_broker_and_the_token_endpoint(central: Central) -> None:
    store = seed_store(central.client, central.headers)
    old = central.register("edge-rot", store_id=store.store_id)
    connected = await _connected(central.device("edge-rot", old))
    try:
        rotated = central.client.post("/devices/edge-rot/rotate", headers=central.headers)
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["broker"] == "provisioned"
        new = rotated.json()["secret"]
        await _disconnected(connected)  # the broker reloaded and dropped the old credential
    finally:
        await connected.stop()
    assert await _refused(central.device("edge-rot", old))
    token = central.client.post("/auth/device-token", json={"device_id": "edge-rot", "secret": old})
    assert token.status_code == 401
    assert central.client.post("/auth/device-token", json={"device_id": "edge-rot", "secret": new}).status_code == 200

    connected = await _connected(central.device("edge-rot", new))
    try:
        assert central.client.delete("/devices/edge-rot", headers=central.headers).status_code == 204
        await _disconnected(connected)
    finally:
        await connected.stop()
    assert await _refused(central.device("edge-rot", new))
    token = central.client.post("/auth/device-token", json={"device_id": "edge-rot", "secret": new})
    assert token.status_code == 401
    db = Database.from_url(central.database_url)
    with db.session() as session:
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.target_id == "edge-rot")).all()
    db.dispose()
    assert list(actions) == ["device.create", "device.rotate", "device.revoke"]


async def test_a_packet_over_the_shipped_limit_never_reaches_the_hub(central: Central) -> None:
    root = central.root
    store = seed_store(central.client, central.headers)
    secret = central.register("edge-big", store_id=store.store_id)
    topic = topics.STORE_ORDER.build(root=root, store_id=store.store_id)
    async with Watcher(central.hub_mqtt) as hub_eyes:
        await hub_eyes.watch(topic)
        device = await _connected(central.device("edge-big", secret))
        try:
            with contextlib.suppress(LinkError):  # refused by the client (told the limit) or dropped by the broker
                await device.publish(topic, b"x" * (2 * 1024 * 1024), qos=0)  # QoS 0: paho does not resend it
            await device.wait_connected(10)
            await device.publish(topic, b"small")
            await hub_eyes.wait_for(1)
        finally:
            await device.stop()
    assert [m.payload for m in hub_eyes.messages] == [b"small"]


def test_the_hubs_hash_is_mosquittos_own_format(tmp_path: Path) -> None:
    if shutil.which("mosquitto_passwd") is None:
        pytest.skip("mosquitto_passwd is not installed")
    path = tmp_path / "pw"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(path), "edge-1", "s3cret-value"], check=True, timeout=30)
    theirs = path.read_text().strip().split(":", 1)[1]
    assert verify_mosquitto_hash(theirs, "s3cret-value")
    assert not verify_mosquitto_hash(theirs, "another")
    ours = mosquitto_hash("s3cret-value")
    assert ours.startswith("$7$101$") and verify_mosquitto_hash(ours, "s3cret-value")
