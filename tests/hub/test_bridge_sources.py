"""The envelope's ``source`` is checked against the devices registered for the topic's store or rider:
a forged or unknown source is dead-lettered, never applied, and nothing is sent to the source it claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.kitchen import TicketState, TicketStatus
from contracts.messaging import Ack, DeadLetter
from contracts.rider import DeliveryEvent, DeliveryEventKind
from hub.bridge.mqtt_bridge import UNKNOWN_SOURCE
from mqttlink import MqttSettings
from tests.hub.seed import order_body, register_device, seed_store
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration

AT = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)


async def test_forged_and_foreign_sources_are_dead_lettered_and_not_acked(
    bridged_hub: tuple[TestClient, dict[str, str]], mosquitto_settings: MqttSettings
) -> None:
    client, headers = bridged_hub
    root = mosquitto_settings.topic_root
    store, elsewhere = seed_store(client, headers), seed_store(client, headers)
    register_device(client, headers, "edge-sa", store_id=store.store_id)
    register_device(client, headers, "edge-sb", store_id=elsewhere.store_id)
    register_device(client, headers, "bike-1", "rider_tracker", rider_id="r-1")
    order = client.post("/orders", json=order_body(store.store_id), headers=headers).json()

    def status(device: str) -> TicketStatus:
        return TicketStatus(
            ticket_id=f"{order['id']}:wok",
            order_id=order["id"],
            store_id=store.store_id,
            station_id="wok",
            state=TicketState.COOKING,
            device_id=device,
            at=AT,
        )

    forged = wrap(status("edge-sa"), source="user:boss")  # edge-sa claims to be the boss
    foreign = wrap(status("edge-sb"), source="edge-sb")  # another store's device on this store's topic
    other_rider = wrap(
        DeliveryEvent(rider_id="r-2", order_id=order["id"], kind=DeliveryEventKind.PICKED_UP, at=AT), source="bike-1"
    )
    genuine = wrap(status("edge-sa"), source="edge-sa")
    status_topic = topics.TICKET_STATUS.build(root=root, store_id=store.store_id, station_id="wok")
    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.DEAD_LETTER.build(root=root))
        await watcher.watch(topics.ACK.wildcard(root=root))
        await watcher.link.publish(status_topic, encode(forged))
        await watcher.link.publish(status_topic, encode(foreign))
        await watcher.link.publish(topics.RIDER_EVENT.build(root=root, rider_id="r-2"), encode(other_rider))
        await watcher.link.publish(status_topic, encode(genuine))
        is_dead = lambda m: m.topic.endswith("dead-letter")  # noqa: E731
        # Dead letters go out through the outbox relay, acks directly: wait for all four.
        await watcher.wait_for(3, is_dead)
        await watcher.wait_for(1, lambda m: not is_dead(m))
        await asyncio.sleep(0.5)  # anything that should not come (an ack to a forged source) has had its chance
        letters = [decode(m.payload, DeadLetter).body for m in watcher.messages if is_dead(m)]
        dead = {d.source: d for d in letters}
        acks = [(m.topic.rsplit("/", 1)[1], decode(m.payload, Ack).body) for m in watcher.messages if not is_dead(m)]
    assert acks == [("edge-sa", acks[0][1])] and acks[0][1].message_ids == (genuine.id,), "only the genuine one"
    assert set(dead) == {"user:boss", "edge-sb", "bike-1"}
    assert all(d.reason.startswith(UNKNOWN_SOURCE) for d in dead.values())
    assert "not a registered active device" in dead["user:boss"].reason
    assert f"not a device of store {store.store_id}" in dead["edge-sb"].reason
    assert "not the tracker of rider r-2" in dead["bike-1"].reason
    events = client.get(f"/orders/{order['id']}/events", headers=headers).json()
    cooking = [e for e in events if e["type"] == "kitchen.ticket_cooking"]
    assert [e["actor"] for e in cooking] == ["edge-sa"], "the forged status left no trace in the order's log"
    assert all(e["actor"] != "user:boss" for e in events)
