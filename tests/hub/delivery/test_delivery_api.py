"""Riders, tracking, dispatch and routes over REST: roles, store scoping, balanced plans, late orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from contracts import topics
from contracts.envelope import decode
from contracts.rider import RiderRoute
from hub.app import create_app
from hub.db import Database
from hub.db_types import utcnow
from hub.delivery.late import detect_late
from hub.delivery.settings import DeliverySettings
from hub.outbox.tables import OutboxMessage
from tests.hub.conftest import rest_settings
from tests.hub.delivery.feasibility import CheckStop, CheckVehicle, Visit, check_routes, road_seconds
from tests.hub.delivery.helpers import STORE, make_rider, offset, put_rider_at, ready_order
from tests.hub.seed import SeededStore, login, order_body, seed_store

SETTINGS = DeliverySettings(speed_by_hour={})
"""One rider speed at every hour: these tests plan at whatever hour they run (CI runs at any hour in
Shanghai); rush hours are tested with pinned times in ``test_rush_hours_slow_the_riders_down``."""

pytestmark = pytest.mark.clock


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The hub with the hour-independent speed profile above (the conftest's has rush hours)."""
    with TestClient(create_app(rest_settings(sqlite_url, tmp_path, delivery=SETTINGS))) as c:
        yield c


def _user(client: TestClient, admin: dict[str, str], role: str, stores: list[str] | None = None) -> dict[str, str]:
    username = f"{role}-{id(stores)}-{len(stores or [])}"
    r = client.post(
        "/users",
        json={"username": username, "password": "long-enough-pw", "role": role, "store_ids": stores},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return login(client, username, "long-enough-pw")


def _events(client: TestClient, headers: dict[str, str], order_id: str) -> list[dict]:  # type: ignore[type-arg]
    r = client.get(f"/orders/{order_id}/events", headers=headers)
    assert r.status_code == 200
    return list(r.json())


def _route_messages(database_url: str) -> dict[str, RiderRoute]:
    """Newest RiderRoute per rider waiting in the outbox."""
    db = Database.from_url(database_url)
    with db.session() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()  # type: ignore[arg-type]
    db.dispose()
    found: dict[str, RiderRoute] = {}
    for row in rows:
        if topics.RIDER_ROUTE.parse(row.topic, root="brigade") is not None:
            assert row.retain
            route = decode(bytes(row.payload), RiderRoute).body
            found[route.rider_id] = route
    return found


def test_rider_status_is_from_the_age_of_the_last_fix(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, sqlite_url: str
) -> None:
    rider_id = make_rider(client, admin_headers, store.store_id)
    r = client.get(f"/riders/{rider_id}", headers=admin_headers).json()
    assert (r["gps_status"], r["last_fix"], r["presence"]) == ("offline", None, None)
    put_rider_at(sqlite_url, rider_id, STORE, at=utcnow() - timedelta(minutes=3))
    assert client.get(f"/riders/{rider_id}", headers=admin_headers).json()["gps_status"] == "stale"
    put_rider_at(sqlite_url, rider_id, offset(STORE, 50, 0))
    r = client.get(f"/riders/{rider_id}", headers=admin_headers).json()
    assert r["gps_status"] == "online" and r["fix_age_s"] < 30
    track = client.get(f"/riders/{rider_id}/track", headers=admin_headers).json()
    assert len(track) == 2 and track[0]["fix_at"] < track[1]["fix_at"]
    r = client.patch(f"/riders/{rider_id}", json={"capacity": 3}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["capacity"] == 3
    assert (
        client.post(
            "/riders", json={"id": rider_id, "store_id": store.store_id, "name": "x"}, headers=admin_headers
        ).status_code
        == 409
    )


def test_roles_and_store_scoping(client: TestClient, admin_headers: dict[str, str], store: SeededStore) -> None:
    other = seed_store(client, admin_headers)
    mine = make_rider(client, admin_headers, store.store_id)
    theirs = make_rider(client, admin_headers, other.store_id)
    their_order = ready_order(client, admin_headers, other.store_id)
    my_order = ready_order(client, admin_headers, store.store_id)
    manager = _user(client, admin_headers, "store_manager", [store.store_id])
    marketer = _user(client, admin_headers, "marketer")

    assert client.get("/riders").status_code == 401
    assert (
        client.post("/riders", json={"id": "x1", "store_id": store.store_id, "name": "x"}, headers=marketer).status_code
        == 403
    )
    assert client.get("/riders", headers=marketer).status_code == 403

    assert [r["id"] for r in client.get("/riders", headers=manager).json()] == [mine]
    for method, path, body in (
        ("get", f"/riders/{theirs}", None),
        ("get", f"/riders/{theirs}/track", None),
        ("get", f"/riders/{theirs}/route", None),
        ("patch", f"/riders/{theirs}", {"capacity": 2}),
        ("get", f"/riders?store_id={other.store_id}", None),
        ("post", f"/orders/{their_order['id']}/delivery/assign", {"rider_id": theirs}),
        ("get", f"/orders/{their_order['id']}/delivery", None),
        ("post", f"/stores/{other.store_id}/dispatch", None),
        ("get", f"/stores/{other.store_id}/routes", None),
        ("get", f"/stores/{other.store_id}/routes.geojson", None),
        ("post", "/riders", {"id": "r-x", "store_id": other.store_id, "name": "x"}),
    ):
        r = client.request(method, path, json=body, headers=manager)
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    # A rider of another store cannot take this store's order, even for an admin.
    r = client.post(f"/orders/{my_order['id']}/delivery/assign", json={"rider_id": theirs}, headers=admin_headers)
    assert r.status_code == 404
    r = client.post(f"/orders/{my_order['id']}/delivery/assign", json={"rider_id": mine}, headers=manager)
    assert r.status_code == 200, r.text


def test_manual_assignment_moves_the_order_and_gives_it_a_code(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    rider_id = make_rider(client, admin_headers, store.store_id)
    order = ready_order(client, admin_headers, store.store_id)
    r = client.post(f"/orders/{order['id']}/delivery/assign", json={"rider_id": rider_id}, headers=admin_headers)
    assert r.status_code == 200, r.text
    delivery = r.json()
    assert delivery["rider_id"] == rider_id and delivery["pinned"] is True
    assert len(delivery["code"]) == 4 and delivery["code"].isdigit()
    assert client.get(f"/orders/{order['id']}", headers=admin_headers).json()["status"] == "assigned"
    assigned = [e for e in _events(client, admin_headers, order["id"]) if e["type"] == "delivery.assigned"]
    assert assigned[0]["data"]["rider_id"] == rider_id and assigned[0]["data"]["manual"] is True

    r = client.post(f"/orders/{order['id']}/delivery/unassign", headers=admin_headers)
    assert r.status_code == 200 and r.json()["rider_id"] is None
    assert client.get(f"/orders/{order['id']}", headers=admin_headers).json()["status"] == "ready"

    cooking = client.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()
    r = client.post(f"/orders/{cooking['id']}/delivery/assign", json={"rider_id": rider_id}, headers=admin_headers)
    assert r.status_code == 409 and r.json()["code"] == "order.invalid_transition"
    pickup = client.post(
        "/orders", json=order_body(store.store_id, fulfilment="pickup", delivery=None), headers=admin_headers
    )
    r = client.post(
        f"/orders/{pickup.json()['id']}/delivery/assign", json={"rider_id": rider_id}, headers=admin_headers
    )
    assert r.status_code == 409 and r.json()["code"] == "delivery.not_a_delivery"


def test_automatic_dispatch_balances_riders_and_every_route_holds(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, sqlite_url: str
) -> None:
    riders = [make_rider(client, admin_headers, store.store_id) for _ in range(2)]
    for rider_id in riders:
        put_rider_at(sqlite_url, rider_id, offset(STORE, 20, 20))
    drops = [offset(STORE, 600 * (i % 3 + 1), 500 * (i // 3) - 400) for i in range(6)]
    orders = [ready_order(client, admin_headers, store.store_id, place=p, promised_in_s=3600) for p in drops]

    r = client.post(f"/stores/{store.store_id}/dispatch", params={"seconds": 1}, headers=admin_headers)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert sorted(plan["assigned"]) == sorted(o["id"] for o in orders)
    assert plan["unplanned"] == [] and plan["late"] == []
    assert sorted(len(route["stops"]) for route in plan["routes"]) == [3, 3]  # an even share each
    for order in orders:
        assert client.get(f"/orders/{order['id']}", headers=admin_headers).json()["status"] == "assigned"

    promised = {o["id"]: datetime.fromisoformat(o["promised_at"]) for o in orders}
    epoch = datetime.fromisoformat(plan["planned_at"])
    stops = {
        o["id"]: CheckStop(place=p, service=SETTINGS.service_s, late=(promised[o["id"]] - epoch).total_seconds())
        for o, p in zip(orders, drops, strict=True)
    }
    vehicles = {r: CheckVehicle(start=STORE, end=STORE, capacity=6, max_duration=SETTINGS.max_route_s) for r in riders}
    routes = {
        route["rider_id"]: [
            Visit(s["order_id"], reported_start=(datetime.fromisoformat(s["eta"]) - epoch).total_seconds())
            for s in route["stops"]
        ]
        for route in plan["routes"]
    }
    starts = {
        route["rider_id"]: (datetime.fromisoformat(route["start_at"]) - epoch).total_seconds()
        for route in plan["routes"]
    }
    hour = epoch.astimezone(ZoneInfo("Asia/Shanghai")).hour  # the store's local hour picks the speed
    travel = road_seconds(SETTINGS.detour_factor, SETTINGS.speed_by_hour.get(hour, SETTINGS.speed_mps))
    assert check_routes(stops, vehicles, routes, travel=travel, route_starts=starts) == []

    messages = _route_messages(sqlite_url)
    assert set(messages) == set(riders)
    for route in plan["routes"]:
        message = messages[route["rider_id"]]
        assert [s.order_id for s in message.stops] == [s["order_id"] for s in route["stops"]]
        assert message.version == route["version"] == 1
        assert all(s.eta <= s.window_end for s in message.stops)
        assert message.stops[0].notes and "放门口保温箱" in message.stops[0].notes

    geo = client.get(f"/stores/{store.store_id}/routes.geojson", headers=admin_headers).json()
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == 2 and len(points) == 6
    assert lines[0]["geometry"]["coordinates"][-1] == [STORE[1], STORE[0]]  # [lon, lat], back at the store


def test_assigning_an_order_that_is_not_ready_says_what_the_action_needs(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    rider_id = make_rider(client, admin_headers, store.store_id)
    received = client.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()
    assert received["status"] == "received"
    r = client.post(f"/orders/{received['id']}/delivery/assign", json={"rider_id": rider_id}, headers=admin_headers)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == f"only a ready order can be assigned to a rider; order {received['id']} is received"
    assert "allowed" not in r.json()["detail"]
    assert client.get(f"/orders/{received['id']}", headers=admin_headers).json()["status"] == "received"


def test_a_hand_assigned_order_stays_with_its_rider_when_the_store_is_replanned(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, sqlite_url: str
) -> None:
    near, far = (make_rider(client, admin_headers, store.store_id) for _ in range(2))
    put_rider_at(sqlite_url, near, STORE)
    put_rider_at(sqlite_url, far, STORE)
    orders = [
        ready_order(client, admin_headers, store.store_id, place=offset(STORE, 300 * i, 200)) for i in range(1, 4)
    ]
    r = client.post(f"/orders/{orders[0]['id']}/delivery/assign", json={"rider_id": far}, headers=admin_headers)
    assert r.status_code == 200
    for _ in range(2):  # and again: a re-plan keeps it too, with a new route version
        plan = client.post(f"/stores/{store.store_id}/dispatch", params={"seconds": 0.5}, headers=admin_headers).json()
        owner = {s["order_id"]: route["rider_id"] for route in plan["routes"] for s in route["stops"]}
        assert owner[orders[0]["id"]] == far
    versions = client.get(f"/riders/{far}/route", headers=admin_headers).json()["version"]
    assert versions == 2


def test_an_order_that_will_miss_its_promise_is_reported_late_once(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, sqlite_url: str
) -> None:
    rider_id = make_rider(client, admin_headers, store.store_id)
    put_rider_at(sqlite_url, rider_id, STORE)
    far_away = offset(STORE, 9000, 6000)
    order = ready_order(client, admin_headers, store.store_id, place=far_away, promised_in_s=300)
    plan = client.post(f"/stores/{store.store_id}/dispatch", params={"seconds": 0.5}, headers=admin_headers).json()
    assert plan["late"] == [order["id"]]
    db = Database.from_url(sqlite_url)
    for _ in range(3):  # the periodic check sees it again and again
        with db.session() as session:
            detect_late(session, SETTINGS, utcnow())
            session.commit()
    db.dispose()
    late = [e for e in _events(client, admin_headers, order["id"]) if e["type"] == "delivery.late"]
    assert len(late) == 1
    assert late[0]["data"]["rider_id"] == rider_id
    assert late[0]["data"]["expected_delay_s"] > 600  # 10.8 km at rider speed is well over the 5 minutes promised
    assert datetime.fromisoformat(late[0]["data"]["eta"]) > datetime.fromisoformat(order["promised_at"])
    delivery = client.get(f"/orders/{order['id']}/delivery", headers=admin_headers).json()
    assert delivery["late_at"] is not None and delivery["expected_delay_s"] == late[0]["data"]["expected_delay_s"]


def test_a_ready_order_past_its_promise_with_no_rider_is_late(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, sqlite_url: str
) -> None:
    order = ready_order(client, admin_headers, store.store_id, promised_in_s=-60)
    db = Database.from_url(sqlite_url)
    with db.session() as session:
        assert detect_late(session, SETTINGS, utcnow()) >= 1
        session.commit()
    db.dispose()
    late = [e for e in _events(client, admin_headers, order["id"]) if e["type"] == "delivery.late"]
    assert len(late) == 1 and late[0]["data"]["rider_id"] is None and late[0]["data"]["expected_delay_s"] >= 60


def test_rush_hours_slow_the_riders_down() -> None:
    """The store's local hour picks the speed: 17:00-19:00 and 07:00-09:00 in Shanghai are slower."""
    from hub.delivery.dispatch import matrix_provider
    from hub.delivery.snapshot import StoreSnapshot

    rush = DeliverySettings()
    far = offset(STORE, 9000, 6000)

    def seconds_at(utc_hour: int, minute: int = 0) -> int:
        at = datetime(2025, 3, 14, utc_hour, minute, tzinfo=ZoneInfo("UTC"))
        snapshot = StoreSnapshot("s1", STORE, "Asia/Shanghai", at, (), ())
        return matrix_provider(rush, snapshot).seconds_between(STORE, far)

    noon, evening, morning = seconds_at(4), seconds_at(10), seconds_at(0, 30)  # 12:00, 18:00, 08:30 local
    assert evening == morning > noon
    assert 2 * evening > rush.max_route_s > 2 * noon, "why the late-order test pins one speed"
