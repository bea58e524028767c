"""A milk depot's routes on the riders' bikes, through a real hub (relay and bridge) on real SQLite and
PostgreSQL and the machine's Mosquitto, the hub's clock pinned.

At the cut-off each non-empty route goes to one of the store's riders (active riders by id: route-n to the
n-th) and is published retained on that rider's round topic with the stops in visiting order; the rider's
delivered report charges the customer once however often it arrives; what the hub refuses goes back to
the rider's unit with the reason.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts import topics
from contracts.envelope import Envelope, decode, encode, wrap
from contracts.messaging import Ack
from contracts.rider import DeliveryEvent, DeliveryEventKind, FailureReason, RiderRoute
from hub.app import create_app
from mqttlink import MqttSettings, PahoMqttLink
from tests.databases import postgres_database, sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai, Monday 2 March 2026
AT_CUTOFF = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)  # 20:05 in Shanghai: 3 March is frozen
ON_THE_ROUND = datetime(2026, 3, 2, 22, 40, tzinfo=UTC)  # 06:40 on 3 March in Shanghai
WINDOW = (datetime(2026, 3, 2, 22, 0, tzinfo=UTC), datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 06:00-08:00 there

PLAN = {
    "id": "milk-daily-routes",
    "name": "鲜奶月卡",
    "kind": "monthly",
    "price_fen": 36000,
    "items": [
        {"sku": "MILK-250", "name": "鲜牛奶 250 ml", "quantity": 2, "unit_price_fen": 350},
        {"sku": "YOG-100", "name": "酸奶", "quantity": 1, "unit_price_fen": 500},
    ],
    "frequency": {"kind": "daily"},
    "window_start": "06:00",
    "window_end": "08:00",
}
CUSTOMERS = [  # name, address, place around the depot (31.2304, 121.4737)
    ("王小明", "静安区南京西路 1 号 101 室", (31.2404, 121.4737)),
    ("李娜", "黄浦区河南中路 8 号 502 室", (31.2304, 121.4837)),
    ("张伟", "徐汇区衡山路 12 号 3 楼", (31.2204, 121.4737)),
    ("刘洋", "长宁区愚园路 66 号", (31.2304, 121.4637)),
    ("陈静", "静安区北京西路 20 号 1201 室", (31.2384, 121.4800)),
]


class Hub:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def at(self, when: datetime) -> None:
        self.client.app.state.ctx.clock = lambda: when  # type: ignore[attr-defined]

    def post(self, path: str, body: Any = None, status: tuple[int, ...] = (200, 201)) -> Any:
        r = self.client.post(path, json=body, headers=self.headers)
        assert r.status_code in status, r.text
        return r.json()

    def get(self, path: str) -> Any:
        r = self.client.get(path, headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own (the relay publishes every outbox row it finds)."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def hub(db_url: str, tmp_path: Path, mosquitto_settings: MqttSettings) -> Iterator[Hub]:
    """Relay and bridge on Mosquitto; no scheduled jobs (the cut-off runs when the test says)."""
    mqtt = mosquitto_settings.model_copy(
        update={"client_id": f"{mosquitto_settings.client_id}-hub", "shared_group": "hub"}
    )
    settings = rest_settings(db_url, tmp_path, run_relay=True, run_bridge=True, mqtt=mqtt, relay_idle_poll_s=0.1)
    with TestClient(create_app(settings)) as client:
        h = Hub(client, login(client, make_admin(db_url)))
        h.at(T0)
        yield h


def depot(hub: Hub, route_count: int, riders: int) -> tuple[str, list[str]]:
    """A Shanghai depot (cut-off 20:00) with ``riders`` riders, returned in id order."""
    store_id = seed_store(hub.client, hub.headers, store_id=f"d-{uuid.uuid4().hex[:8]}").store_id
    r = hub.client.put(
        f"/stores/{store_id}/subscription-settings",
        json={"zone": "Asia/Shanghai", "cutoff": "20:00", "route_count": route_count},
        headers=hub.headers,
    )
    assert r.status_code == 200, r.text
    hub.post("/subscription-plans", PLAN, status=(201, 409))
    tag = uuid.uuid4().hex[:6]
    rider_ids = [f"r{n}-{tag}" for n in range(1, riders + 1)]
    for rider_id in rider_ids:
        hub.post("/riders", {"id": rider_id, "store_id": store_id, "name": "张师傅", "capacity": 30})
    return store_id, rider_ids


def subscribe(hub: Hub, store_id: str, name: str, line: str, place: tuple[float, float], top_up: int = 0) -> str:
    customer = hub.post("/customers", {"phone": f"139{uuid.uuid4().int % 10**8:08d}", "name": name})["id"]
    hub.post(
        "/subscriptions",
        {
            "customer_id": customer,
            "store_id": store_id,
            "plan_id": PLAN["id"],
            "start": "2026-03-03",
            "address": {"line": line, "lat": place[0], "lon": place[1]},
            "instructions": "放门口保温箱",
        },
    )
    if top_up:
        reference = f"MAN{uuid.uuid4().hex[:10].upper()}"
        hub.post(
            f"/customers/{customer}/balance/payments",
            {"reference": reference, "amount_fen": top_up, "method": "cash"},
        )
    return str(customer)


def run_cut_off(hub: Hub, store_id: str) -> Any:
    hub.at(AT_CUTOFF)
    day = hub.post(f"/stores/{store_id}/subscription-days/run")
    assert day["business_date"] == "2026-03-03"
    return day


def deliveries(hub: Hub, store_id: str, route_id: str | None = None) -> list[dict[str, Any]]:
    query = f"?route_id={route_id}" if route_id else ""
    return list(hub.get(f"/stores/{store_id}/subscription-days/2026-03-03/deliveries{query}"))


async def tracker(hub: Hub, settings: MqttSettings, rider_id: str) -> tuple[str, PahoMqttLink]:
    """The rider's unit as the bridge knows it: a registered device speaking for ``rider_id``."""
    device = f"trk-{uuid.uuid4().hex[:8]}"
    register_device(hub.client, hub.headers, device, "rider_tracker", rider_id=rider_id)
    link = PahoMqttLink(settings.model_copy(update={"client_id": device, "persistent_session": False}))
    await link.start()
    await link.wait_connected(10)
    return device, link


def report(rider_id: str, stop: str, kind: DeliveryEventKind, device: str, **fields: Any) -> Envelope[DeliveryEvent]:
    return wrap(DeliveryEvent(rider_id=rider_id, order_id=stop, kind=kind, at=ON_THE_ROUND, **fields), source=device)


def acks(watcher: Watcher) -> list[Ack]:
    return [decode(m.payload, Ack).body for m in watcher.messages if "/acks/" in m.topic]


def answered(watcher: Watcher, envelopes: list[Envelope[DeliveryEvent]]) -> bool:
    ids = {i for a in acks(watcher) for i in a.message_ids}
    return all(e.id in ids for e in envelopes)


def refusals(watcher: Watcher) -> dict[str, tuple[str, str]]:
    return {str(r.message_id): (r.code, r.reason) for a in acks(watcher) for r in a.refused}


async def test_the_cut_off_pushes_each_riders_retained_route_with_the_stops_in_visiting_order(
    hub: Hub, mosquitto_settings: MqttSettings
) -> None:
    store_id, riders = depot(hub, route_count=3, riders=2)
    for name, line, place in CUSTOMERS:
        subscribe(hub, store_id, name, line, place)

    day = run_cut_off(hub, store_id)
    assert day["generated"] == 5
    assert [(r["route_id"], r["stops"]) for r in day["routes"]] == [("route-1", 2), ("route-2", 2), ("route-3", 1)]
    assert [r["rider_id"] for r in day["routes"]] == [riders[0], riders[1], None]
    assert day["unassigned_routes"] == ["route-3"]  # two riders for three routes: the third stays on the hub
    assert {d["rider_id"] for d in deliveries(hub, store_id, "route-3")} == {None}

    root = mosquitto_settings.topic_root
    async with Watcher(mosquitto_settings) as watcher:  # subscribes after the run: only retained messages come
        await watcher.watch(topics.RIDER_ROUND.wildcard(root=root))
        await watcher.wait_for(2)
        assert all(m.retain for m in watcher.messages)
        shown = {m.topic: decode(m.payload, RiderRoute).body for m in watcher.messages}  # one retained route per rider
    assert set(shown) == {topics.RIDER_ROUND.build(root=root, rider_id=r) for r in riders}

    names = {line: name for name, line, _ in CUSTOMERS}
    for rider_id, route_id in zip(riders, ("route-1", "route-2"), strict=True):
        route = shown[topics.RIDER_ROUND.build(root=root, rider_id=rider_id)]
        planned = deliveries(hub, store_id, route_id)  # the depot's list of the route, in visiting order
        assert {d["rider_id"] for d in planned} == {rider_id}
        assert route.rider_id == rider_id and route.planned_at == AT_CUTOFF
        assert [s.stop_id for s in route.stops] == [f"sub:{d['id']}" for d in planned]
        assert [s.order_id for s in route.stops] == [s.stop_id for s in route.stops]
        assert [s.sequence for s in route.stops] == [1, 2]
        for stop, delivery in zip(route.stops, planned, strict=True):
            assert stop.address == delivery["address"]
            assert (stop.lat, stop.lon) == (delivery["lat"], delivery["lon"])
            assert (stop.window_start, stop.window_end) == WINDOW
            assert stop.notes == "放门口保温箱 · 2 × 鲜牛奶 250 ml, 1 × 酸奶"
            full_name = names[delivery["address"]]
            assert stop.customer_display == full_name[0] + "*" * (len(full_name) - 1)  # 王小明 -> 王**
        first, second = route.stops
        assert first.eta == WINDOW[0], "the round reaches its first door as the window opens"
        leg_s = math.ceil(_haversine_m((first.lat, first.lon), (second.lat, second.lon)) * 1.3 / 4.5)
        assert second.eta - first.eta == timedelta(seconds=60 + leg_s), "a doorstep minute, then the ride"

    rerun = hub.post(f"/stores/{store_id}/subscription-days/run")  # the same routes to the same riders
    assert rerun["generated"] == 0 and [r["rider_id"] for r in rerun["routes"]] == [riders[0], riders[1], None]


async def test_a_rider_taken_off_between_two_runs_gets_an_empty_route_and_the_next_rider_the_route(
    hub: Hub, mosquitto_settings: MqttSettings
) -> None:
    """The first run gives route-1 to r1 and route-2 to r2; r1 goes home sick and the depot runs the day
    again: route-1 is r2's now, route-2 has no rider, and r1's bike must not keep showing route-1's
    stops (they are r2's to deliver)."""
    store_id, (first, second) = depot(hub, route_count=2, riders=2)
    for name, line, place in CUSTOMERS[:4]:
        subscribe(hub, store_id, name, line, place)
    day = run_cut_off(hub, store_id)
    assert [r["rider_id"] for r in day["routes"]] == [first, second]

    r = hub.client.patch(f"/riders/{first}", json={"active": False}, headers=hub.headers)
    assert r.status_code == 200, r.text
    rerun = hub.post(f"/stores/{store_id}/subscription-days/run")
    assert [r["rider_id"] for r in rerun["routes"]] == [second, None]
    route_1 = [f"sub:{d['id']}" for d in deliveries(hub, store_id, "route-1")]

    root = mosquitto_settings.topic_root
    on_bike = {rider: topics.RIDER_ROUND.build(root=root, rider_id=rider) for rider in (first, second)}

    def latest(watcher: Watcher) -> dict[str, RiderRoute]:
        return {m.topic: decode(m.payload, RiderRoute).body for m in watcher.messages}

    def settled(watcher: Watcher) -> bool:
        shown = latest(watcher)
        return set(shown) == set(on_bike.values()) and shown[on_bike[first]].stops == ()

    async with Watcher(mosquitto_settings) as watcher:  # retained, then whatever the relay still sends
        await watcher.watch(topics.RIDER_ROUND.wildcard(root=root))
        await watcher.wait_until(lambda: settled(watcher))
        shown = latest(watcher)
    assert shown[on_bike[first]].rider_id == first and shown[on_bike[first]].planned_at == AT_CUTOFF
    assert [s.stop_id for s in shown[on_bike[second]].stops] == route_1


async def test_the_riders_delivered_report_charges_the_balance_once_even_sent_twice(
    hub: Hub, mosquitto_settings: MqttSettings
) -> None:
    store_id, (rider_id,) = depot(hub, route_count=1, riders=1)
    name, line, place = CUSTOMERS[0]
    customer = subscribe(hub, store_id, name, line, place, top_up=3000)
    run_cut_off(hub, store_id)
    (delivery,) = deliveries(hub, store_id)
    assert delivery["rider_id"] == rider_id and delivery["amount_fen"] == 1200

    root = mosquitto_settings.topic_root
    device, unit = await tracker(hub, mosquitto_settings, rider_id)
    stop = f"sub:{delivery['id']}"
    picked = report(rider_id, stop, DeliveryEventKind.PICKED_UP, device)
    delivered = report(rider_id, stop, DeliveryEventKind.DELIVERED, device, note="放在保温箱里")
    pressed_again = report(rider_id, stop, DeliveryEventKind.DELIVERED, device, note="放在保温箱里")
    try:
        async with Watcher(mosquitto_settings) as watcher:
            await watcher.watch(topics.ACK.build(root=root, device_id=device))
            topic = topics.RIDER_EVENT.build(root=root, rider_id=rider_id)
            for envelope in (picked, delivered, delivered, pressed_again):  # the same message redelivered
                await unit.publish(topic, encode(envelope))
            await watcher.wait_until(lambda: answered(watcher, [picked, delivered, pressed_again]))
            assert refusals(watcher) == {}
    finally:
        await unit.stop()

    balance = hub.get(f"/customers/{customer}/balance")
    assert balance["balance_fen"] == 1800
    assert [e["kind"] for e in balance["entries"]] == ["top_up", "delivery_charge"]
    (settled,) = deliveries(hub, store_id)
    assert settled["outcome"] == "delivered"
    recon = hub.get(f"/stores/{store_id}/reconciliations/2026-03-03")
    assert recon["delivered_fen"] == 1200 and recon["charged_fen"] == 1200 and recon["balanced"] is True


async def test_what_the_hub_refuses_goes_back_to_the_rider_with_the_reason(
    hub: Hub, mosquitto_settings: MqttSettings
) -> None:
    store_id, riders = depot(hub, route_count=2, riders=2)
    for name, line, place in (CUSTOMERS[0], CUSTOMERS[2]):
        subscribe(hub, store_id, name, line, place, top_up=3000)
    run_cut_off(hub, store_id)
    mine = next(d for d in deliveries(hub, store_id) if d["rider_id"] == riders[0])
    theirs = next(d for d in deliveries(hub, store_id) if d["rider_id"] == riders[1])

    root = mosquitto_settings.topic_root
    device, unit = await tracker(hub, mosquitto_settings, riders[0])
    not_home = FailureReason.NOT_HOME
    unknown = report(riders[0], "sub:999999999", DeliveryEventKind.DELIVERED, device, note="?")
    other = report(riders[0], f"sub:{theirs['id']}", DeliveryEventKind.DELIVERED, device, note="帮忙送的")
    delivered = report(riders[0], f"sub:{mine['id']}", DeliveryEventKind.DELIVERED, device, note="放门口")
    then_failed = report(riders[0], f"sub:{mine['id']}", DeliveryEventKind.FAILED, device, reason=not_home)
    sent = [unknown, other, delivered, then_failed]
    try:
        async with Watcher(mosquitto_settings) as watcher:
            await watcher.watch(topics.ACK.build(root=root, device_id=device))
            for envelope in sent:
                await unit.publish(topics.RIDER_EVENT.build(root=root, rider_id=riders[0]), encode(envelope))
            await watcher.wait_until(lambda: answered(watcher, sent))
    finally:
        await unit.stop()

    refused = refusals(watcher)
    assert set(refused) == {str(unknown.id), str(other.id), str(then_failed.id)}
    assert refused[str(unknown.id)][0] == "delivery.unknown_stop"
    assert refused[str(other.id)] == (
        "subscription.other_riders_stop",
        f"stop sub:{theirs['id']} is on another rider's route",
    )
    code, reason = refused[str(then_failed.id)]
    assert code == "subscription.outcome_already_reported"
    assert reason == f"delivery {mine['id']} was already reported delivered; correct it with a refund"

    by_id = {d["id"]: d for d in deliveries(hub, store_id)}
    assert by_id[mine["id"]]["outcome"] == "delivered" and by_id[theirs["id"]]["outcome"] == "pending"
    balances = [hub.get(f"/customers/{d['customer_id']}/balance")["balance_fen"] for d in (mine, theirs)]
    assert balances == [1800, 3000]  # charged once, and only for the rider's own stop


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle metres (the planner's default matrix: x 1.3 for the streets, at 4.5 m/s)."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
