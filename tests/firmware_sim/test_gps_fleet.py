"""Bike fleets for load tests, through a real Mosquitto: the contract fleet and real trackers."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest

from contracts import topics
from contracts.envelope import decode
from contracts.rider import RiderPositionBatch
from firmware_sim.gps.fleet import ContractFleet, TrackerFleet, city_route
from mqttlink import MqttSettings, PahoMqttLink
from rider_tracker.geo import distance_m
from tests.mqtt_watch import Watcher
from tests.rider_tracker.hub_stand_in import HubStandIn

pytestmark = pytest.mark.integration


def test_city_routes_are_deterministic_loops_in_town() -> None:
    a, b = city_route(3), city_route(3)
    assert a == b
    assert a.waypoints[0] == a.waypoints[-1]
    assert all(distance_m(31.2304, 121.4737, lat, lon) < 12_000 for lat, lon in a.waypoints)
    assert city_route(4) != a


async def test_the_contract_fleet_publishes_valid_batches_fast(mosquitto_settings: MqttSettings) -> None:
    root = mosquitto_settings.topic_root
    fleet = ContractFleet(mosquitto_settings, bikes=20, batch_size=25, connections=2)
    async with Watcher(mosquitto_settings) as hub:
        await hub.watch(topics.RIDER_POSITIONS.wildcard(root=root))
        report = await fleet.run(positions=5000)
        await hub.wait_for(report.messages, timeout=20)
    assert report.positions == 5000 and report.messages == 200
    per_bike: dict[str, list] = defaultdict(list)
    for message in hub.messages:
        envelope = decode(message.payload, RiderPositionBatch)
        assert topics.RIDER_POSITIONS.parse(message.topic, root=root) == {"rider_id": envelope.body.rider_id}
        assert envelope.source == envelope.body.rider_id
        per_bike[envelope.body.rider_id].extend(p.fix_at for p in envelope.body.positions)
    assert len(per_bike) == 20
    for times in per_bike.values():
        assert times == sorted(set(times))  # each bike's fixes unique and increasing
    assert report.positions_per_s > 1000


async def test_a_fleet_of_real_trackers_delivers_every_position_once(mosquitto_settings: MqttSettings) -> None:
    root = mosquitto_settings.topic_root
    hub_link = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": f"hub-{uuid.uuid4().hex[:8]}"}))
    await hub_link.start()
    await hub_link.wait_connected(10)
    hub = await HubStandIn(hub_link, root=root).start()
    prefix = f"b{uuid.uuid4().hex[:6]}"
    fleet = TrackerFleet(mosquitto_settings, bikes=5, seconds=120, time_scale=40, prefix=prefix)
    try:
        trackers = await fleet.run()
        journaled = sum(t.status.journaled for t in trackers)
        await hub.wait_until(lambda: len(hub.positions) >= journaled, timeout=30)
        await hub.wait_until(lambda: all(t._outbox.pending() == 0 for t in trackers), timeout=30)
    finally:
        await fleet.close()
        await hub_link.stop()
    assert journaled > 5 * 10
    assert len(hub.positions) == journaled
    assert hub.resealed() == {}
    assert {rider for rider, _ in hub.positions} == {f"{prefix}-{i:04d}" for i in range(5)}
