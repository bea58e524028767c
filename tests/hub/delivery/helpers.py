"""Setting up riders and ready delivery orders the way staff would (REST), and GPS tracks."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx

from contracts.envelope import wrap
from contracts.rider import RiderPosition, RiderPositionBatch
from hub.db import Database
from hub.db_types import utcnow
from hub.delivery.ingest import PositionIngest
from hub.delivery.settings import DeliverySettings
from tests.hub.seed import order_body

STORE = (31.2304, 121.4737)
"""Where tests.hub.seed.seed_store puts every store (WGS-84)."""


def make_rider(client: httpx.Client, headers: dict[str, str], store_id: str, capacity: int = 6) -> str:
    rider_id = f"r-{uuid.uuid4().hex[:8]}"
    r = client.post(
        "/riders", json={"id": rider_id, "store_id": store_id, "name": "张师傅", "capacity": capacity}, headers=headers
    )
    assert r.status_code == 201, r.text
    return rider_id


def ready_order(
    client: httpx.Client,
    headers: dict[str, str],
    store_id: str,
    place: tuple[float, float] = (31.2397, 121.4998),
    promised_in_s: float | None = 3600,
    **changes: Any,
) -> dict[str, Any]:
    delivery = {"address": "上海市黄浦区南京东路1号", "lat": place[0], "lon": place[1], "notes": "放门口保温箱"}
    body = order_body(store_id, delivery=delivery, **changes)
    if promised_in_s is not None:
        body["promised_at"] = (utcnow() + timedelta(seconds=promised_in_s)).isoformat()
    r = client.post("/orders", json=body, headers=headers)
    assert r.status_code == 201, r.text
    order = r.json()
    r = client.post(f"/orders/{order['id']}/status", json={"status": "ready"}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def offset(place: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat = place[0] + north_m / 111_195.0
    lon = place[1] + east_m / (111_195.0 * math.cos(math.radians(place[0])))
    return lat, lon


def fixes(
    rider_id: str, places: list[tuple[float, float]], start: datetime, step_s: float = 1.0
) -> list[RiderPosition]:
    return [
        RiderPosition(
            rider_id=rider_id, fix_at=start + timedelta(seconds=i * step_s), lat=p[0], lon=p[1], accuracy_m=6.0
        )
        for i, p in enumerate(places)
    ]


def batches(rider_id: str, positions: list[RiderPosition], size: int) -> Iterator[RiderPositionBatch]:
    for i in range(0, len(positions), size):
        yield RiderPositionBatch(rider_id=rider_id, positions=tuple(positions[i : i + size]))


def parked_with_jitter(
    drop: tuple[float, float], seconds: int, seed: int = 1, sigma_m: float = 25.0
) -> list[tuple[float, float]]:
    """A bike standing at the door while the receiver's fix wanders by tens of metres."""
    rng = random.Random(seed)
    return [offset(drop, rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)) for _ in range(seconds)]


def ride(frm: tuple[float, float], to: tuple[float, float], steps: int) -> list[tuple[float, float]]:
    return [(frm[0] + (to[0] - frm[0]) * i / steps, frm[1] + (to[1] - frm[1]) * i / steps) for i in range(steps + 1)]


def put_rider_at(database_url: str, rider_id: str, place: tuple[float, float], at: datetime | None = None) -> None:
    """A fresh fix through the hub's real ingest code (what the MQTT bridge runs)."""
    db = Database.from_url(database_url)
    fix = RiderPosition(rider_id=rider_id, fix_at=at or utcnow(), lat=place[0], lon=place[1], accuracy_m=5.0)
    with db.session() as session:
        refused = PositionIngest(DeliverySettings()).apply_many(
            session, [(wrap(fix, source=f"dev-{rider_id}"), {"rider_id": rider_id})]
        )
        assert refused == {}
        session.commit()
    db.dispose()
