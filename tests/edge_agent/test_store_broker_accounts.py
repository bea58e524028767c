"""The store broker ``bridge-config`` writes: no anonymous clients, each device its own account (the
credential the hub issued, from ``brigade-hub broker store-passwords``), each kind only its topics."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts import topics
from edge_agent.bridge_config import BridgeConfig, write
from hub.db import Database
from hub.devices.broker_accounts import store_password_file
from hub.devices.credentials import create_device
from hub.stores.tables import Store
from mqttlink import LinkError, MqttMessage, MqttSettings, PahoMqttLink
from tests.databases import sqlite_database
from tests.mqtt_watch import Watcher
from tests.services import PrivateMosquitto, free_port, private_mosquitto

pytestmark = pytest.mark.integration

STORE = "sh-009"


def _register(url: str) -> dict[str, str]:
    """The store's devices as the hub registers them; their secrets (shown once)."""
    db = Database.from_url(url)
    secrets: dict[str, str] = {}
    with db.session() as session:
        session.add(Store(id=STORE, name="测试店", lat=31.2, lon=121.4))
        session.flush()
        for device_id, kind in (("edge-sh-009", "edge_agent"), ("kds-sh-009-wok", "kds"), ("pos-sh-009", "pos")):
            _, secrets[device_id] = create_device(
                session, device_id=device_id, kind=kind, store_id=STORE, rider_id=None, actor="test"
            )
        session.commit()
    db.dispose()
    return secrets


@contextlib.contextmanager
def _store_broker(url: str, central_port: int, root: str) -> Iterator[PrivateMosquitto]:
    with tempfile.TemporaryDirectory(prefix="brigade-store-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o777)
        db = Database.from_url(url)
        with db.session() as session:
            (workdir / "store.passwd").write_text(store_password_file(session, STORE))
        db.dispose()
        broker = PrivateMosquitto(port=free_port(), workdir=workdir)
        cfg = BridgeConfig(
            store_id=STORE,
            central_host="127.0.0.1",
            central_port=central_port,
            topic_root=root,
            device_ids=("edge-sh-009",),
            kds_ids=("kds-sh-009-wok",),
            pos_ids=("pos-sh-009",),
            password_file=workdir / "store.passwd",
            acl_file=workdir / "store.acl",
            listen_host="127.0.0.1",
            listen_port=broker.port,
            persistence_dir=workdir,
            restart_timeout="1 2",
            log_dest=f"file {workdir}/mosquitto.log",
        )
        write(cfg, broker.config_path)
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()


def _as(port: int, root: str, device_id: str | None, secret: str | None) -> MqttSettings:
    return MqttSettings(
        port=port,
        client_id=device_id or f"anon-{uuid.uuid4().hex[:6]}",
        username=device_id,
        password=secret,  # type: ignore[arg-type]
        topic_root=root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
        persistent_session=False,
        publish_timeout_s=5,
    )


async def _connected(settings: MqttSettings) -> PahoMqttLink:
    link = PahoMqttLink(settings)
    await link.start()
    await link.wait_connected(10)
    return link


async def test_each_store_device_has_its_own_account_and_only_its_topics(tmp_path: Path, topic_root: str) -> None:
    root = topic_root
    url = sqlite_database(tmp_path)
    secrets = _register(url)
    with private_mosquitto() as central, _store_broker(url, central.port, root) as store:
        anonymous = PahoMqttLink(_as(store.port, root, None, None))
        await anonymous.start()
        with pytest.raises(LinkError):
            await anonymous.wait_connected(3)
        await anonymous.stop()

        edge = await _connected(_as(store.port, root, "edge-sh-009", secrets["edge-sh-009"]))
        kds = await _connected(_as(store.port, root, "kds-sh-009-wok", secrets["kds-sh-009-wok"]))
        pos = await _connected(_as(store.port, root, "pos-sh-009", secrets["pos-sh-009"]))
        heard: dict[str, list[MqttMessage]] = {"edge": [], "kds": [], "pos": []}

        def collect(name: str):  # type: ignore[no-untyped-def]
            async def on(message: MqttMessage) -> None:
                heard[name].append(message)

            return on

        try:
            async with Watcher(_as(central.port, root, None, None)) as hub:
                await hub.watch(f"{root}/#")
                tickets = topics.KITCHEN_TICKET.wildcard(root=root, store_id=STORE)
                await edge.subscribe(topics.POS_ORDER.build(root=root, store_id=STORE), collect("edge"))
                await kds.subscribe(tickets, collect("kds"))
                await pos.subscribe(tickets, collect("pos"))  # granted, but a POS reads no tickets

                await kds.publish(topics.STORE_ORDER.build(root=root, store_id=STORE), b"kds-order")  # denied
                status = topics.TICKET_STATUS.build(root=root, store_id=STORE, station_id="wok")
                await kds.publish(status, b"bump")
                await hub.wait_for(1, lambda m: m.topic == status)  # through the bridge
                assert not [m for m in hub.messages if m.payload == b"kds-order"]

                await pos.publish(topics.POS_ORDER.build(root=root, store_id=STORE), b"pos-order")
                ticket = topics.KITCHEN_TICKET.build(root=root, store_id=STORE, station_id="wok")
                await hub.link.publish(ticket, b"ticket")  # the hub sends a ticket; it comes down the bridge
                await hub.wait_until(lambda: bool(heard["edge"]) and bool(heard["kds"]))
            assert [m.payload for m in heard["edge"]] == [b"pos-order"]
            assert [m.payload for m in heard["kds"]] == [b"ticket"]
            assert heard["pos"] == []

            # The station's open tickets: the agent keeps the list, a display catching up reads it.
            station_list = topics.STATION_TICKETS.build(root=root, store_id=STORE, station_id="wok")
            await pos.publish(station_list, b"forged-list", retain=True)  # denied: a POS keeps no list
            await edge.publish(station_list, b"open-tickets", retain=True)
            await kds.subscribe(topics.STATION_TICKETS.wildcard(root=root, store_id=STORE), collect("kds"))
            await pos.subscribe(topics.STATION_TICKETS.wildcard(root=root, store_id=STORE), collect("pos"))
            async with Watcher(_as(central.port, root, None, None)) as waiter:
                await waiter.wait_until(lambda: len(heard["kds"]) >= 2)
            assert [m.payload for m in heard["kds"]] == [b"ticket", b"open-tickets"]
            assert heard["pos"] == []
        finally:
            for link in (edge, kds, pos):
                await link.stop()
