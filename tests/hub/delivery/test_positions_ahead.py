"""Positions dated too far ahead of the hub's clock (a receiver with wrong dates) are never stored, but
never silent either: counted per rider in its status and in /metrics, and a message of nothing but
such positions is refused back to the tracker with a reason its rider's screen shows.

The hub's clock is pinned (the ingest's ``clock``) at 12:00 in Shanghai.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from contracts import topics
from contracts.envelope import decode, encode, wrap
from contracts.messaging import Ack, DeadLetter
from contracts.rider import RiderPositionBatch
from hub.bridge.mqtt_bridge import MqttBridge
from hub.bridge.routes import Route
from hub.context import HubContext
from hub.db import Database
from hub.delivery.ingest import PositionIngest
from hub.delivery.jobs import measure_riders
from hub.delivery.settings import DeliverySettings
from mqttlink import FakeBroker, FakeMqttLink, MqttMessage
from tests.hub.delivery.helpers import STORE, fixes, make_rider
from tests.hub.seed import SeededStore

ROOT = "brigade"
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
async def bridge(sqlite_url: str, client: TestClient) -> AsyncIterator[tuple[MqttBridge, FakeBroker, Route]]:
    """The hub's real bridge and position ingest (clock pinned), on the REST app's database and metrics."""
    ctx: HubContext = client.app.state.ctx  # type: ignore[attr-defined]
    db = Database.from_url(sqlite_url)
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    await link.start()
    ingest = PositionIngest(DeliverySettings(), clock=lambda: NOW)
    route = Route(topics.RIDER_POSITIONS, ingest.apply_one, apply_many=ingest.apply_many)
    yield MqttBridge(db, link, ctx.metrics, [route], root=ROOT, source="hub"), broker, route
    await link.stop()
    db.dispose()


async def send(bridge: MqttBridge, route: Route, rider_id: str, batch: RiderPositionBatch) -> str:
    envelope = wrap(batch, source=f"trk-{rider_id}")
    message = MqttMessage(topics.RIDER_POSITIONS.build(root=ROOT, rider_id=rider_id), encode(envelope))
    await bridge.handle_group(route, [(route, message, envelope, {"rider_id": rider_id})])
    return str(envelope.id)


def acks(broker: FakeBroker) -> list[Ack]:
    return [decode(m.payload, Ack).body for m in broker.messages_on(topics.ACK.wildcard(root=ROOT))]


async def test_positions_dated_hours_ahead_are_counted_shown_and_refused_back_to_the_tracker(
    bridge: tuple[MqttBridge, FakeBroker, Route],
    client: TestClient,
    admin_headers: dict[str, str],
    store: SeededStore,
) -> None:
    hub_bridge, broker, route = bridge
    rider_id = make_rider(client, admin_headers, store.store_id)
    ahead = NOW + timedelta(hours=3)  # what gpsd invents after a GPS week rollover, give or take

    bad = await send(
        hub_bridge,
        route,
        rider_id,
        RiderPositionBatch(rider_id=rider_id, positions=tuple(fixes(rider_id, [STORE] * 20, ahead))),
    )
    [ack] = acks(broker)
    assert [str(r.message_id) for r in ack.refused] == [bad]
    assert ack.refused[0].code == "delivery.gps_time_wrong"
    assert ack.refused[0].reason.startswith("GPS time is wrong: 20 position(s) dated 3 h ahead of the hub's clock")
    dead = [decode(m.payload, DeadLetter).body for m in broker.messages_on(topics.DEAD_LETTER.build(root=ROOT))]
    assert [d.reason.split(":")[0] for d in dead] == ["delivery.gps_time_wrong"]

    rider = client.get(f"/riders/{rider_id}", headers=admin_headers).json()
    assert rider["positions_dropped"] == 20
    assert rider["last_drop_ahead_s"] == pytest.approx(3 * 3600 + 19)
    assert datetime.fromisoformat(rider["last_drop_at"]) == NOW
    assert rider["gps_warning"].startswith("GPS time is wrong: the receiver dates its positions 3 h ahead")
    assert rider["last_fix"] is None

    # A batch where the receiver's clock jumps ahead half-way: the good positions are kept.
    mixed = fixes(rider_id, [STORE] * 5, NOW - timedelta(seconds=10)) + fixes(rider_id, [STORE] * 3, ahead)
    await send(hub_bridge, route, rider_id, RiderPositionBatch(rider_id=rider_id, positions=tuple(mixed)))
    assert acks(broker)[-1].refused == ()
    rider = client.get(f"/riders/{rider_id}", headers=admin_headers).json()
    assert rider["positions_dropped"] == 23
    assert len(client.get(f"/riders/{rider_id}/track", headers=admin_headers).json()) == 5

    ctx: HubContext = client.app.state.ctx  # type: ignore[attr-defined]
    measure_riders(ctx)
    metrics = client.get("/metrics").text
    assert f'brigade_delivery_rider_positions_dropped{{rider_id="{rider_id}"}} 23.0' in metrics
    assert 'brigade_mqtt_dead_letters_total{reason="delivery.gps_time_wrong"} 1.0' in metrics


async def test_the_warning_clears_once_the_receivers_positions_are_stored_again(
    bridge: tuple[MqttBridge, FakeBroker, Route],
    client: TestClient,
    admin_headers: dict[str, str],
    store: SeededStore,
    sqlite_url: str,
) -> None:
    hub_bridge, _, route = bridge
    rider_id = make_rider(client, admin_headers, store.store_id)
    ahead = fixes(rider_id, [STORE] * 2, NOW + timedelta(minutes=7))
    await send(hub_bridge, route, rider_id, RiderPositionBatch(rider_id=rider_id, positions=tuple(ahead)))
    rider = client.get(f"/riders/{rider_id}", headers=admin_headers).json()
    assert "7 min ahead" in rider["gps_warning"]

    later = PositionIngest(DeliverySettings(), clock=lambda: NOW + timedelta(seconds=30))
    good = fixes(rider_id, [STORE], NOW + timedelta(seconds=29))
    db = Database.from_url(sqlite_url)
    with db.session() as session:
        assert later.apply_many(session, [(wrap(good[0], source="trk"), {"rider_id": rider_id})]) == {}
        session.commit()
    db.dispose()
    rider = client.get(f"/riders/{rider_id}", headers=admin_headers).json()
    assert rider["gps_warning"] is None and rider["positions_dropped"] == 2
