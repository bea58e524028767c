"""The periodic delivery jobs: re-plan on an ad-hoc order (warm-started), on a cancellation, and not otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.context import HubContext
from hub.delivery.jobs import measure_riders, replan_due_stores
from hub.delivery.rider_status import GpsStatus
from hub.delivery.settings import DeliverySettings
from tests.hub.conftest import rest_settings
from tests.hub.delivery.helpers import STORE, make_rider, offset, put_rider_at, ready_order
from tests.hub.seed import login, make_admin, seed_store


@pytest.fixture
def hub(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, HubContext, dict[str, str]]]:
    settings = rest_settings(sqlite_url, tmp_path, delivery=DeliverySettings(replan_min_interval_s=0, plan_seconds=0.3))
    with TestClient(create_app(settings)) as client:
        yield client, client.app.state.ctx, login(client, make_admin(sqlite_url))  # type: ignore[attr-defined]


def _routes(client: TestClient, headers: dict[str, str], store_id: str) -> dict[str, list[str]]:
    plans = client.get(f"/stores/{store_id}/routes", headers=headers).json()
    return {p["rider_id"]: [s["order_id"] for s in p["stops"]] for p in plans}


@pytest.mark.clock  # plans at the hour it runs: the rider speed depends on it
def test_ad_hoc_orders_and_cancellations_trigger_a_new_plan(
    hub: tuple[TestClient, HubContext, dict[str, str]], sqlite_url: str
) -> None:
    client, ctx, headers = hub
    store = seed_store(client, headers)
    riders = [make_rider(client, headers, store.store_id) for _ in range(2)]
    for rider_id in riders:
        put_rider_at(sqlite_url, rider_id, STORE)
    assert replan_due_stores(ctx) == 0  # nothing to deliver yet

    first = [ready_order(client, headers, store.store_id, place=offset(STORE, 400 * i, 300)) for i in range(1, 4)]
    assert replan_due_stores(ctx) == 1
    assert replan_due_stores(ctx) == 0  # everything is planned: no churn
    planned = _routes(client, headers, store.store_id)
    assert sorted(o for stops in planned.values() for o in stops) == sorted(o["id"] for o in first)

    ad_hoc = ready_order(client, headers, store.store_id, place=offset(STORE, 500, -500))
    assert replan_due_stores(ctx) == 1
    replanned = _routes(client, headers, store.store_id)
    assert ad_hoc["id"] in {o for stops in replanned.values() for o in stops}

    cancelled = first[0]["id"]
    r = client.post(f"/orders/{cancelled}/status", json={"status": "cancelled", "reason": "客户取消"}, headers=headers)
    assert r.status_code == 200, r.text
    assert replan_due_stores(ctx) == 1
    after = _routes(client, headers, store.store_id)
    assert cancelled not in {o for stops in after.values() for o in stops}
    assert client.get(f"/orders/{cancelled}/delivery", headers=headers).json()["stage"] == "cancelled"
    assert sum(r["open_deliveries"] for r in client.get("/riders", headers=headers).json()) == 3


def test_rider_gauges_count_by_gps_status(hub: tuple[TestClient, HubContext, dict[str, str]], sqlite_url: str) -> None:
    client, ctx, headers = hub
    store = seed_store(client, headers)
    online = make_rider(client, headers, store.store_id)
    make_rider(client, headers, store.store_id)
    put_rider_at(sqlite_url, online, STORE)
    counts = measure_riders(ctx)
    assert counts[GpsStatus.ONLINE] >= 1 and counts[GpsStatus.OFFLINE] >= 1
