"""A store's backlog and its resends after an outage: each message applied and claimed once, every
message acknowledged, nothing queued twice.

Seen in the chaos test on a loaded machine: a store's agent resent its 120 unacknowledged print
results every 20 s; each resend queued behind the backlog the hub was still working through and
cost a transaction of its own, so the queue grew faster than it drained and the hub never heard
those tickets printed (`brigade_mqtt_bridge_queued` stayed at a full worker queue).
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack
from contracts.store_orders import StoreOrder, StoreOrderLine
from mqttlink import MqttSettings
from tests.hub.seed import register_device, seed_store
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration

MESSAGES = 20
COPIES = 10


def _store_order(store_id: str) -> StoreOrder:
    return StoreOrder(
        order_id=str(uuid.uuid4()),
        store_id=store_id,
        local_order_id=f"pos-{uuid.uuid4().hex[:8]}",
        order_number="R1",
        placed_at=datetime.now(UTC) - timedelta(minutes=5),
        lines=(StoreOrderLine(menu_item_id="KB", quantity=1),),
    )


async def test_a_burst_of_resends_is_claimed_once_per_message_and_every_message_is_acked(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store = seed_store(client, headers)
    register_device(client, headers, "edge-resends", store_id=store.store_id)
    orders = [wrap(_store_order(store.store_id), source="edge-resends") for _ in range(MESSAGES)]
    topic = topics.STORE_ORDER.build(root=root, store_id=store.store_id)

    engine = client.app.state.ctx.db.engine  # type: ignore[attr-defined]
    claims: list[str] = []

    def count_claims(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            claims.append(statement)

    event.listen(engine, "before_cursor_execute", count_claims)
    try:
        async with Watcher(mosquitto_settings) as device:
            await device.watch(topics.ACK.build(root=root, device_id="edge-resends"))
            for _ in range(COPIES):  # the backlog, then the outbox's retries of everything unacked
                for envelope in orders:
                    await device.link.publish(topic, encode(envelope))
            acked_ids = lambda: {i for m in device.messages for i in decode(m.payload, Ack).body.message_ids}  # noqa: E731
            with contextlib.suppress(TimeoutError):  # the assertion below says which were not acked
                await device.wait_until(lambda: len(acked_ids()) >= MESSAGES, timeout=30)
            acked = acked_ids()
            refusals = [r for m in device.messages for r in decode(m.payload, Ack).body.refused]
    finally:
        event.remove(engine, "before_cursor_execute", count_claims)

    assert acked == {e.id for e in orders}, "every message the device sent is acknowledged"
    assert refusals == []
    for envelope in orders:
        assert client.get(f"/orders/{envelope.body.order_id}", headers=headers).status_code == 200
    assert len(claims) == MESSAGES, "a resend of a queued or just-applied message costs no transaction"
    metrics = client.get("/metrics").text
    duplicates = next(line for line in metrics.splitlines() if line.startswith("brigade_mqtt_duplicates_total"))
    assert float(duplicates.split()[-1]) == MESSAGES * (COPIES - 1)
    queued = next(line for line in metrics.splitlines() if line.startswith("brigade_mqtt_bridge_queued"))
    assert float(queued.split()[-1]) == 0
