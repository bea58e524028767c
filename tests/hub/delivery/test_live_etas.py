"""Live ETAs between plans use the planner's own travel-time model (rush-hour speeds included), so
``GET /orders/{id}/delivery`` agrees with the rider's route and late detection is as strict as the plan.

Every instant is pinned: 14:00 and 16:30 in Shanghai are outside rush hour (4.5 m/s), 17:00 and 18:00
inside it (3.5 m/s, the default ``speed_by_hour``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts.envelope import wrap
from contracts.rider import DeliveryEvent, DeliveryEventKind
from hub.app import create_app
from hub.context import HubContext
from hub.db import Database
from hub.delivery.late import detect_late
from hub.delivery.planning_service import plan_store
from hub.delivery.rider_events import apply_rider_event
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import orders
from hub.kernel.messaging import Messaging
from tests.hub.conftest import rest_settings
from tests.hub.delivery.feasibility import road_seconds
from tests.hub.delivery.helpers import STORE, make_rider, offset, put_rider_at, ready_order
from tests.hub.seed import login, make_admin, seed_store

SETTINGS = DeliverySettings(auto_dispatch=False, plan_seconds=0.3)
CALM_14 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
CALM_1630 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # 16:30
RUSH_17 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 17:00
RUSH_18 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 18:00
DROP = offset(STORE, 1800, 2400)  # 3 km from the store as the crow flies


def ride_s(speed_mps: float) -> int:
    return math.ceil(road_seconds(SETTINGS.detour_factor, speed_mps)(STORE, DROP) - 1e-9)


class World:
    def __init__(self, client: TestClient, ctx: HubContext, headers: dict[str, str], url: str) -> None:
        self.client, self.ctx, self.headers, self.url = client, ctx, headers, url
        self.db = Database.from_url(url)
        self.store = seed_store(client, headers).store_id
        self.rider = make_rider(client, headers, self.store)

    def picked_up_order(self, at: datetime, promised_at: datetime) -> str:
        put_rider_at(self.url, self.rider, STORE, at=at)
        order = ready_order(self.client, self.headers, self.store, place=DROP, promised_in_s=None)
        with self.db.session() as session:  # the rider's pick-up scan, applied as the MQTT bridge applies it
            session.execute(orders.update().where(orders.c.id == order["id"]).values(promised_at=promised_at))
            event = DeliveryEvent(rider_id=self.rider, order_id=order["id"], kind=DeliveryEventKind.PICKED_UP, at=at)
            apply_rider_event(session, wrap(event, source=f"trk-{self.rider}"), {"rider_id": self.rider})
            session.commit()
        return str(order["id"])

    def plan(self, at: datetime) -> None:
        settings = self.ctx.settings
        messaging = Messaging(root=settings.mqtt.topic_root, source=settings.source_id)
        plan_store(self.db, self.store, settings.delivery, messaging, now=at)

    def live_check(self, at: datetime) -> int:
        with self.db.session() as session:
            recorded = detect_late(session, self.ctx.settings.delivery, at)
            session.commit()
        return recorded

    def route_eta(self) -> datetime:
        route = self.client.get(f"/riders/{self.rider}/route", headers=self.headers).json()
        return datetime.fromisoformat(route["stops"][0]["eta"])

    def delivery(self, order_id: str) -> dict[str, Any]:
        return dict(self.client.get(f"/orders/{order_id}/delivery", headers=self.headers).json())

    def late_events(self, order_id: str) -> list[dict[str, Any]]:
        events = self.client.get(f"/orders/{order_id}/events", headers=self.headers).json()
        return [e for e in events if e["type"] == "delivery.late"]


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    with TestClient(create_app(rest_settings(sqlite_url, tmp_path, delivery=SETTINGS))) as client:
        found = World(client, client.app.state.ctx, login(client, make_admin(sqlite_url)), sqlite_url)  # type: ignore[attr-defined]
        yield found
        found.db.dispose()


@pytest.mark.parametrize(("at", "speed"), [(CALM_14, 4.5), (RUSH_18, 3.5)], ids=["14:00", "18:00 rush hour"])
def test_the_live_eta_at_the_instant_of_the_plan_is_the_plans_eta(world: World, at: datetime, speed: float) -> None:
    order_id = world.picked_up_order(at, promised_at=at + timedelta(hours=2))
    world.plan(at)
    assert world.route_eta() == at + timedelta(seconds=ride_s(speed))
    world.live_check(at)  # the periodic refresh, at the same instant: nothing has moved
    delivery = world.delivery(order_id)
    assert datetime.fromisoformat(delivery["eta"]) == world.route_eta()
    assert delivery["late_at"] is None


def test_rush_hour_makes_a_stuck_rider_late_between_plans(world: World) -> None:
    """Planned at 16:30 on time; at 17:00 the rider is still at the store and rush hour has begun."""
    promised = RUSH_17 + timedelta(seconds=1000)  # 3.9 km of road: 867 s at 4.5 m/s, 1115 s at 3.5 m/s
    order_id = world.picked_up_order(CALM_1630, promised_at=promised)
    world.plan(CALM_1630)
    assert world.route_eta() == CALM_1630 + timedelta(seconds=ride_s(4.5))
    assert world.late_events(order_id) == []

    put_rider_at(world.url, world.rider, STORE, at=RUSH_17)  # a fresh fix, same place
    assert world.live_check(RUSH_17) == 1
    delivery = world.delivery(order_id)
    assert datetime.fromisoformat(delivery["eta"]) == RUSH_17 + timedelta(seconds=ride_s(3.5))
    late = world.late_events(order_id)
    assert len(late) == 1 and late[0]["data"]["expected_delay_s"] == ride_s(3.5) - 1000
    assert delivery["expected_delay_s"] == ride_s(3.5) - 1000

    world.plan(RUSH_17)  # the next plan, at the same instant, says the same
    assert world.route_eta() == datetime.fromisoformat(delivery["eta"])
