"""A device message the database rejects is dead-lettered and refused after a bounded number of
attempts, never retried forever; a database that is away is waited for; nothing personal is logged."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.store_orders import StoreOrder, StoreOrderLine
from hub.app import create_app
from hub.bridge.hub_routes import hub_routes
from hub.bridge.mqtt_bridge import APPLY_FAILED, MqttBridge
from hub.db import Database
from hub.kernel.messaging import Messaging
from hub.metrics import HubMetrics
from hub.outbox.tables import InboxMessage
from hub.settings import HubSettings
from hub.wiring import domain_events
from mqttlink import MqttSettings, PahoMqttLink
from tests.chaos.tcp_proxy import TcpProxy
from tests.hub.conftest import mqtt_settings, rest_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration

PHONE_DIGITS = "13900001111"
NOTE = "门铃坏了请敲门-秘密备注"


def _store_order(store_id: str, *, order_id: str | None = None, phone: str | None = None) -> StoreOrder:
    return StoreOrder(
        order_id=order_id or str(uuid.uuid4()),
        store_id=store_id,
        local_order_id=f"pos-{uuid.uuid4().hex[:8]}",
        order_number="T7",
        placed_at=datetime.now(UTC) - timedelta(minutes=5),  # the bridge checks it against the hub's clock
        notes=NOTE,
        customer_phone=phone,
        lines=(StoreOrderLine(menu_item_id="KB", quantity=1, note=NOTE),),
    )


def _messaging(settings: HubSettings) -> Messaging:
    """Where the hub's messages go, with its event wiring (a store order's kitchen tickets)."""
    return Messaging(root=settings.mqtt.topic_root, source=settings.source_id, events=domain_events())


def _personal(records: list[logging.LogRecord]) -> list[str]:
    found = []
    for record in records:
        text_ = record.getMessage() + (record.exc_text or "")
        if record.exc_info and record.exc_info[1] is not None:
            text_ += str(record.exc_info[1])
        if PHONE_DIGITS in text_ or NOTE in text_:
            found.append(f"{record.name}: {text_[:300]}")
    return found


async def test_an_order_id_that_collides_is_refused_once_and_the_next_message_is_applied(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """The database rejects the row (duplicate primary key): before, the bridge neither acked nor
    dead-lettered it, and the edge resent it every few seconds forever."""
    caplog.set_level(logging.INFO)
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    other = seed_store(client, headers)
    store = seed_store(client, headers)
    register_device(client, headers, "edge-poison", store_id=store.store_id)
    taken = client.post("/orders", json=order_body(other.store_id), headers=headers).json()
    colliding = wrap(
        _store_order(store.store_id, order_id=taken["id"], phone=f"+86 {PHONE_DIGITS}"), source="edge-poison"
    )
    following = wrap(_store_order(store.store_id), source="edge-poison")
    topic = topics.STORE_ORDER.build(root=root, store_id=store.store_id)
    async with Watcher(mosquitto_settings) as device:
        await device.watch(topics.ACK.build(root=root, device_id="edge-poison"))
        await device.watch(topics.DEAD_LETTER.build(root=root))
        await device.link.publish(topic, encode(colliding))
        await device.link.publish(topic, encode(following))
        is_ack = lambda m: "/acks/" in m.topic  # noqa: E731
        await device.wait_for(2, is_ack)
        dead = [decode(m.payload, DeadLetter).body for m in device.messages if not is_ack(m)]
        acks = [decode(m.payload, Ack).body for m in device.messages if is_ack(m)]
    refused = [a for a in acks if a.message_ids == (colliding.id,)]
    assert len(refused) == 1, "acknowledged exactly once"
    assert [(r.message_id, r.code) for r in refused[0].refused] == [(colliding.id, APPLY_FAILED)]
    assert "IntegrityError" in refused[0].refused[0].reason
    assert [d.reason.split(":")[0] for d in dead] == [APPLY_FAILED]
    assert next(a for a in acks if a.message_ids == (following.id,)).refused == ()
    assert client.get(f"/orders/{following.body.order_id}", headers=headers).status_code == 200
    assert client.get(f"/orders/{taken['id']}", headers=headers).json()["store_id"] == other.store_id
    assert _personal(caplog.records) == []  # (before the lookup below, whose URL carries the phone)
    # The claim and the effect are one transaction: the refused message left neither its inbox claim
    # nor the customer it resolved before the order's row collided; the applied one left both.
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        claimed = set(session.execute(select(InboxMessage.message_id)).scalars())  # type: ignore[call-overload]
    assert str(following.id) in claimed and str(colliding.id) not in claimed
    assert client.get("/customers/lookup", params={"phone": PHONE_DIGITS}, headers=headers).status_code == 404


async def test_a_nul_in_a_note_is_dead_lettered_and_refused_to_its_device_once(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    """A message that breaks the contract (here a NUL, which the database would reject) is refused
    back to the registered device that sent it, so its outbox forgets it and its user sees why; the
    same bytes claiming an unregistered source are only dead-lettered (nothing sent to that name)."""
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "edge-nul", store_id=store.store_id)
    poisoned = wrap(_store_order(store.store_id), source="edge-nul")
    raw = json.loads(encode(poisoned))
    raw["body"]["notes"] = "门铃坏了\x00请敲门"
    forged = {**raw, "id": str(uuid.uuid4()), "source": "edge-nobody"}
    following = wrap(_store_order(store.store_id), source="edge-nul")
    topic = topics.STORE_ORDER.build(root=root, store_id=store.store_id)
    async with Watcher(mosquitto_settings) as device:
        await device.watch(topics.ACK.build(root=root, device_id="edge-nul"))
        await device.watch(topics.ACK.build(root=root, device_id="edge-nobody"))
        await device.watch(topics.DEAD_LETTER.build(root=root))
        await device.link.publish(topic, json.dumps(forged).encode())
        await device.link.publish(topic, json.dumps(raw).encode())
        await device.link.publish(topic, encode(following))
        is_ack = lambda m: "/acks/" in m.topic  # noqa: E731
        await device.wait_for(2, is_ack)
        await device.wait_until(lambda: sum(not is_ack(m) for m in device.messages) >= 2)
        dead = [decode(m.payload, DeadLetter).body for m in device.messages if not is_ack(m)]
        acks = [(m.topic, decode(m.payload, Ack).body) for m in device.messages if is_ack(m)]
    assert all(topic_.endswith("/edge-nul") for topic_, _ in acks), "the forged source is told nothing"
    refused = [a for _, a in acks if a.message_ids == (poisoned.id,)]
    assert len(refused) == 1, "refused exactly once"
    [refusal] = refused[0].refused
    assert (refusal.message_id, refusal.code) == (poisoned.id, "contract.invalid")
    assert "notes" in refusal.reason and "control character" in refusal.reason
    assert sorted(d.source or "" for d in dead) == ["", "edge-nul"]
    assert all("notes" in d.reason for d in dead)
    assert next(a for _, a in acks if a.message_ids == (following.id,)).refused == ()
    assert client.get(f"/orders/{following.body.order_id}", headers=headers).status_code == 200
    assert client.get(f"/orders/{poisoned.body.order_id}", headers=headers).status_code == 404


def test_database_errors_never_carry_statement_parameters(pg_url: str) -> None:
    db = Database.from_url(pg_url)
    try:
        with db.engine.connect() as conn, pytest.raises(sa_exc.DBAPIError) as caught:
            conn.execute(text("SELECT CAST(:note AS text), 1 / 0"), {"note": NOTE})  # the error names no value
    finally:
        db.dispose()
    assert NOTE not in str(caught.value)
    assert "parameters hidden" in str(caught.value)


@pytest.fixture
def proxied_db(pg_url: str) -> Iterator[tuple[Database, TcpProxy]]:
    """The hub's database behind a link the test can cut."""
    url = make_url(pg_url)
    proxy = TcpProxy(url.port or 5432, target_host=url.host or "127.0.0.1").start()
    db = Database.from_url(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        yield db, proxy
    finally:
        db.dispose()
        proxy.stop()


async def test_a_database_that_is_away_is_waited_for_not_blamed_on_the_message(
    pg_url: str,
    proxied_db: tuple[Database, TcpProxy],
    mosquitto_settings: MqttSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    db, proxy = proxied_db
    root = mosquitto_settings.topic_root
    with TestClient(create_app(rest_settings(pg_url, tmp_path))) as client:
        headers = login(client, make_admin(pg_url))
        store = seed_store(client, headers)
        register_device(client, headers, f"edge-{store.store_id}", store_id=store.store_id)
        link = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": f"hub-{uuid.uuid4().hex[:8]}"}))
        settings = mqtt_settings(pg_url, tmp_path, mosquitto_settings)
        bridge = MqttBridge(
            db, link, HubMetrics(), hub_routes(settings, _messaging(settings)), root=root, source="hub", max_attempts=3
        )
        await bridge.start()
        await link.start()
        order = wrap(_store_order(store.store_id), source=f"edge-{store.store_id}")
        topic = topics.STORE_ORDER.build(root=root, store_id=store.store_id)
        async with Watcher(mosquitto_settings) as device:
            await device.watch(topics.ACK.build(root=root, device_id=f"edge-{store.store_id}"))
            await device.watch(topics.DEAD_LETTER.build(root=root))
            await link.wait_connected(10)
            assert await bridge.registry.lookup(f"edge-{store.store_id}") is not None  # cached while reachable
            proxy.cut()
            waiting = lambda: sum("database unavailable" in r.getMessage() for r in caplog.records)  # noqa: E731
            for sent in range(1, 6):  # the device resends, more often than max_attempts
                await device.link.publish(topic, encode(order))
                await device.wait_until(lambda n=sent: waiting() >= n)  # type: ignore[misc]
            assert device.messages == [], "neither refused nor dead-lettered while the database is away"
            proxy.restore()
            await device.link.publish(topic, encode(order))
            acks = await device.wait_for(1)
        await link.stop()
        await bridge.stop()
        assert [decode(a.payload, Ack).body.refused for a in acks] == [()]
        assert client.get(f"/orders/{order.body.order_id}", headers=headers).status_code == 200
