"""A rider's day through a real Mosquitto and PostgreSQL: positions once, one arrival, code-proven delivery,
and routes re-planned and pushed when an ad-hoc order arrives."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.rider import DeliveryEvent, DeliveryEventKind, RiderRoute
from hub.app import create_app
from hub.db import Database
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import positions
from mqttlink import MqttSettings, PahoMqttLink
from tests.databases import postgres_database
from tests.hub.conftest import mqtt_settings
from tests.hub.delivery.helpers import STORE, batches, fixes, make_rider, offset, parked_with_jitter, ready_order, ride
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def _positions(url: str, rider_id: str) -> int:
    db = Database.from_url(url)
    with db.session() as session:
        count = session.execute(select(func.count()).where(positions.c.rider_id == rider_id)).scalar_one()
    db.dispose()
    return int(count)


async def _tracker(settings: MqttSettings, device_id: str) -> PahoMqttLink:
    link = PahoMqttLink(settings.model_copy(update={"client_id": device_id, "persistent_session": False}))
    await link.start()
    await link.wait_connected(10)
    return link


async def test_a_jittery_parked_bike_arrives_once_and_the_customer_code_closes_the_order(
    fresh_pg_url: str, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    root = mosquitto_settings.topic_root
    app = create_app(
        mqtt_settings(fresh_pg_url, tmp_path, mosquitto_settings, delivery=DeliverySettings(auto_dispatch=False))
    )
    with TestClient(app) as client:
        headers = login(client, make_admin(fresh_pg_url))
        store = seed_store(client, headers)
        rider_id = make_rider(client, headers, store.store_id)
        drop = offset(STORE, 900, 700)
        order = ready_order(client, headers, store.store_id, place=drop)
        code = client.post(
            f"/orders/{order['id']}/delivery/assign", json={"rider_id": rider_id}, headers=headers
        ).json()["code"]
        device = f"trk-{uuid.uuid4().hex[:8]}"
        register_device(client, headers, device, "rider_tracker", rider_id=rider_id)
        tracker = await _tracker(mosquitto_settings, device)
        async with Watcher(mosquitto_settings) as watcher:
            await watcher.watch(topics.ACK.build(root=root, device_id=device))
            await watcher.watch(topics.DEAD_LETTER.build(root=root))
            acked: set[str] = set()

            def acks_for(ids: list[str]) -> bool:
                acked.update(
                    str(i)
                    for m in watcher.messages
                    if "/acks/" in m.topic
                    for i in decode(m.payload, Ack).body.message_ids
                )
                return set(ids) <= acked

            start = datetime.now(UTC) - timedelta(minutes=10)
            picked = wrap(
                DeliveryEvent(rider_id=rider_id, order_id=order["id"], kind=DeliveryEventKind.PICKED_UP, at=start),
                source=device,
            )
            await tracker.publish(topics.RIDER_EVENT.build(root=root, rider_id=rider_id), encode(picked))
            await watcher.wait_until(lambda: acks_for([str(picked.id)]))

            track = fixes(
                rider_id, ride(STORE, drop, 120) + parked_with_jitter(drop, 300), start + timedelta(seconds=5)
            )
            sent = [wrap(b, source=device) for b in batches(rider_id, track, 25)]
            topic = topics.RIDER_POSITIONS.build(root=root, rider_id=rider_id)
            for envelope in [*sent, sent[3], sent[7]]:  # two batches redelivered with the same id
                await tracker.publish(topic, encode(envelope))
            await watcher.wait_until(lambda: acks_for([str(e.id) for e in sent]), timeout=30)

            at = track[-1].fix_at + timedelta(seconds=5)
            wrong = wrap(
                DeliveryEvent(
                    rider_id=rider_id,
                    order_id=order["id"],
                    kind=DeliveryEventKind.DELIVERED,
                    at=at,
                    proof_code="0000" if code != "0000" else "1111",
                ),
                source=device,
            )
            right = wrap(
                DeliveryEvent(
                    rider_id=rider_id, order_id=order["id"], kind=DeliveryEventKind.DELIVERED, at=at, proof_code=code
                ),
                source=device,
            )
            event_topic = topics.RIDER_EVENT.build(root=root, rider_id=rider_id)
            await tracker.publish(event_topic, encode(wrong))
            await tracker.publish(event_topic, encode(right))
            await tracker.publish(event_topic, encode(right))  # a redelivery changes nothing
            await watcher.wait_until(lambda: acks_for([str(wrong.id), str(right.id)]))
        await tracker.stop()

        assert _positions(fresh_pg_url, rider_id) == len(track)  # every fix exactly once
        dead = [decode(m.payload, DeadLetter).body for m in watcher.messages if m.topic.endswith("dead-letter")]
        assert [d.reason.split(":")[0] for d in dead] == ["delivery.wrong_code"]
        events = client.get(f"/orders/{order['id']}/events", headers=headers).json()
        arrived = [e for e in events if e["type"] == "delivery.arrived"]
        assert len(arrived) == 1 and arrived[0]["data"]["source"] == "geofence"
        assert track[120].fix_at <= datetime.fromisoformat(arrived[0]["at"]) <= track[120].fix_at + timedelta(minutes=3)
        delivered = [e for e in events if e["type"] == "order.status_changed" and e["data"]["to"] == "delivered"]
        assert len(delivered) == 1
        assert delivered[0]["data"]["proof"] == {"kind": "code", "code": code}
        assert delivered[0]["data"]["rider_id"] == rider_id
        assert client.get(f"/orders/{order['id']}", headers=headers).json()["status"] == "delivered"
        rider = client.get(f"/riders/{rider_id}", headers=headers).json()
        assert datetime.fromisoformat(rider["last_fix"]["fix_at"]) == track[-1].fix_at
        assert rider["open_deliveries"] == 0


async def test_an_ad_hoc_order_is_planned_and_pushed_to_the_riders_retained_route(
    fresh_pg_url: str, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    root = mosquitto_settings.topic_root
    delivery = DeliverySettings(jobs_interval_s=0.2, plan_seconds=1.0, replan_min_interval_s=0.0)
    app = create_app(mqtt_settings(fresh_pg_url, tmp_path, mosquitto_settings, delivery=delivery))
    with TestClient(app) as client:
        headers = login(client, make_admin(fresh_pg_url))
        store = seed_store(client, headers)
        riders = [make_rider(client, headers, store.store_id) for _ in range(2)]
        device = f"trk-{uuid.uuid4().hex[:8]}"
        for rider_id in riders:  # each bike its own tracker
            register_device(client, headers, f"{device}-{rider_id}", "rider_tracker", rider_id=rider_id)
        tracker = await _tracker(mosquitto_settings, device)
        async with Watcher(mosquitto_settings) as watcher:
            await watcher.watch(topics.RIDER_ROUTE.wildcard(root=root))
            for rider_id in riders:  # both bikes report in at the store
                fix = fixes(rider_id, [offset(STORE, 10, 10)], datetime.now(UTC))
                source = f"{device}-{rider_id}"
                await tracker.publish(
                    topics.RIDER_POSITION.build(root=root, rider_id=rider_id), encode(wrap(fix[0], source=source))
                )

            def routes() -> dict[str, RiderRoute]:
                newest: dict[str, RiderRoute] = {}
                for m in watcher.messages:
                    route = decode(m.payload, RiderRoute).body
                    if route.rider_id not in newest or route.version > newest[route.rider_id].version:
                        newest[route.rider_id] = route
                return newest

            def planned() -> set[str]:
                return {s.order_id for r in routes().values() for s in r.stops}

            first = [
                ready_order(client, headers, store.store_id, place=offset(STORE, 500 * i, 300)) for i in range(1, 5)
            ]
            await watcher.wait_until(lambda: planned() >= {o["id"] for o in first}, timeout=30)
            before = routes()
            assert sorted(len(r.stops) for r in before.values()) == [2, 2]

            ad_hoc = ready_order(client, headers, store.store_id, place=offset(STORE, 800, -400))
            # Re-plans keep coming (one per job round); an order moved between riders leaves one route
            # before it joins the other, so take the routes at a moment when every order is on one.
            everything = {o["id"] for o in first} | {ad_hoc["id"]}
            await watcher.wait_until(lambda: planned() >= everything, timeout=30)
            after = routes()
        await tracker.stop()
        taker = next(r for r in after.values() if ad_hoc["id"] in {s.order_id for s in r.stops})
        async with Watcher(mosquitto_settings) as late_joiner:  # a tracker that (re)connects now
            await late_joiner.watch(topics.RIDER_ROUTE.build(root=root, rider_id=taker.rider_id))
            retained = await late_joiner.wait_for(1)
        assert retained[0].retain
        assert decode(retained[0].payload, RiderRoute).body.version == taker.version

    assert taker.version > before[taker.rider_id].version
    for route in after.values():
        assert [s.sequence for s in route.stops] == list(range(1, len(route.stops) + 1))
        assert all(s.eta <= s.window_end for s in route.stops if s.window_end is not None)
