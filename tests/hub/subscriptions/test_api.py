"""The subscriptions and billing REST API on real SQLite and PostgreSQL, the clock pinned.

A depot in Shanghai (cut-off 20:00): a customer subscribes to daily milk, tops up, pauses for a
holiday, the cut-off generates tomorrow exactly once, a rider delivers, the balance goes down once.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from hub.app import create_app
from hub.db import Database
from hub.kernel.messaging import Messaging
from hub.subscriptions.jobs import generate_due_days
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, seed_store

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai, Monday 2 March 2026
AT_CUTOFF = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)  # 20:05 in Shanghai

PLAN = {
    "id": "milk-monthly",
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


class Hub:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def at(self, when: datetime) -> None:
        self.client.app.state.ctx.clock = lambda: when  # type: ignore[attr-defined]

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kw)


@pytest.fixture
def hub(any_db_url: str, tmp_path: Path) -> Iterator[Hub]:
    with TestClient(create_app(rest_settings(any_db_url, tmp_path))) as client:
        h = Hub(client, login(client, make_admin(any_db_url)))
        h.at(T0)
        yield h


def _depot(hub: Hub) -> tuple[str, str]:
    store = seed_store(hub.client, hub.headers, store_id=f"d-{uuid.uuid4().hex[:8]}")
    r = hub.client.put(
        f"/stores/{store.store_id}/subscription-settings",
        json={"zone": "Asia/Shanghai", "cutoff": "20:00", "route_count": 2},
        headers=hub.headers,
    )
    assert r.status_code == 200, r.text
    r = hub.post("/subscription-plans", PLAN)
    assert r.status_code in (201, 409), r.text
    customer = hub.post("/customers", {"phone": f"139{uuid.uuid4().int % 10**8:08d}", "name": "王小明"})
    assert customer.status_code in (200, 201), customer.text
    return store.store_id, customer.json()["id"]


def _subscribe(hub: Hub, store_id: str, customer_id: str, start: str = "2026-03-03") -> dict[str, Any]:
    r = hub.post(
        "/subscriptions",
        {
            "customer_id": customer_id,
            "store_id": store_id,
            "plan_id": "milk-monthly",
            "start": start,
            "address": {"line": "静安区 1 号 101 室", "lat": 31.2310, "lon": 121.4740},
            "instructions": "放门口保温箱",
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_day_of_the_depot_generates_once_delivers_and_charges_once(hub: Hub) -> None:
    store_id, customer_id = _depot(hub)
    sub = _subscribe(hub, store_id, customer_id)
    assert sub["status"] == "not_started" and sub["balance_fen"] == 0
    assert sub["history"][0]["kind"] == "started" and sub["history"][0]["actor"].startswith("user:")

    paid = hub.post(
        f"/customers/{customer_id}/balance/payments",
        {"reference": "MAN20260302A", "amount_fen": 3000, "method": "cash"},
    )
    again = hub.post(
        f"/customers/{customer_id}/balance/payments",
        {"reference": "MAN20260302A", "amount_fen": 3000, "method": "cash"},
    )
    assert paid.json()["verdict"] == "apply" and again.json()["verdict"] == "duplicate"
    assert again.json()["balance_fen"] == 3000

    hub.at(AT_CUTOFF)
    day = hub.post(f"/stores/{store_id}/subscription-days/run")
    assert day.status_code == 200, day.text
    assert day.json()["business_date"] == "2026-03-03" and day.json()["generated"] == 1
    assert day.json()["totals"] == {"MILK-250": 2, "YOG-100": 1}
    rerun = hub.post(f"/stores/{store_id}/subscription-days/run")
    assert rerun.json()["generated"] == 0 and rerun.json()["deliveries"] == 1

    deliveries = hub.get(f"/stores/{store_id}/subscription-days/2026-03-03/deliveries").json()
    assert len(deliveries) == 1
    delivery = deliveries[0]
    assert delivery["instructions"] == "放门口保温箱" and delivery["route_id"] in ("route-1", "route-2")
    assert delivery["amount_fen"] == 1200

    done = hub.post(f"/subscription-deliveries/{delivery['id']}/outcome", {"outcome": "delivered"})
    twice = hub.post(f"/subscription-deliveries/{delivery['id']}/outcome", {"outcome": "delivered"})
    assert done.status_code == 200, done.text
    assert done.json()["charged_fen"] == 1200 and done.json()["balance_fen"] == 1800
    assert twice.json()["balance_fen"] == 1800
    balance = hub.get(f"/customers/{customer_id}/balance").json()
    assert balance["balance_fen"] == sum(e["amount_fen"] for e in balance["entries"]) == 1800
    assert [e["kind"] for e in balance["entries"]] == ["top_up", "delivery_charge"]

    refused = hub.post(f"/subscription-deliveries/{delivery['id']}/outcome", {"outcome": "failed"})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")

    recon = hub.get(f"/stores/{store_id}/reconciliations/2026-03-03").json()
    assert recon["delivered_fen"] == 1200 and recon["charged_fen"] == 1200 and recon["balanced"] is True

    pdf = hub.get(f"/customers/{customer_id}/statements/2026/3", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "鲜牛奶" in text
    statement = hub.get(f"/customers/{customer_id}/statements/2026/3").json()
    assert statement is not None
    csv = hub.get(f"/customers/{customer_id}/statements/2026/3", params={"format": "csv"})
    assert csv.status_code == 200 and "鲜牛奶".encode() in csv.content


def test_a_paused_day_generates_nothing_and_a_frozen_day_refuses_changes(hub: Hub) -> None:
    store_id, customer_id = _depot(hub)
    sub = _subscribe(hub, store_id, customer_id)
    paused = hub.post(f"/subscriptions/{sub['id']}/pauses", {"first": "2026-03-03", "last": "2026-03-05"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "not_started" and paused.json()["counts_as_churn"] is False
    assert [h["kind"] for h in paused.json()["history"]] == ["started", "paused"]

    hub.at(AT_CUTOFF)
    assert hub.post(f"/stores/{store_id}/subscription-days/run").json()["generated"] == 0
    frozen = hub.post(f"/subscriptions/{sub['id']}/skips", {"day": "2026-03-03"})
    assert frozen.status_code == 409
    assert frozen.json()["code"] == "subscription.date_frozen"
    assert "the first date a skip can still take effect is 2026-03-04" in frozen.json()["detail"]

    extra = hub.post(f"/subscriptions/{sub['id']}/resume", {"on": "2026-03-04"})
    assert extra.status_code == 200, extra.text
    cancel = hub.post(f"/subscriptions/{sub['id']}/cancel", {"effective": "2026-03-10", "reason": "搬家"})
    assert cancel.status_code == 200 and cancel.json()["cancelled_from"] == "2026-03-10"
    assert hub.post(f"/subscriptions/{sub['id']}/cancel", {"effective": "2026-03-11", "reason": "x"}).status_code == 409


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/subscription-plans", {**PLAN, "id": "bad-1", "price_fen": "100"}),
        ("/subscription-plans", {**PLAN, "id": "bad-2", "items": []}),
        ("/subscription-plans", {**PLAN, "id": "bad-3", "kind": "punch_card"}),
        ("/subscription-plans", {**PLAN, "id": "bad-4", "frequency": {"kind": "custom", "rule": "FREQ=HOURLY"}}),
        ("/subscription-plans", {**PLAN, "id": "bad-5", "window_start": "09:00", "window_end": "08:00"}),
    ],
)
def test_bad_plans_are_refused_as_problems(hub: Hub, path: str, body: dict[str, Any]) -> None:
    r = hub.post(path, body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_bad_subscription_input_is_refused_and_writes_nothing(hub: Hub) -> None:
    store_id, customer_id = _depot(hub)
    sub = _subscribe(hub, store_id, customer_id)
    cases = [
        (f"/subscriptions/{sub['id']}/pauses", {"first": "2026-03-09", "last": "2026-03-08"}, 422),
        (f"/subscriptions/{sub['id']}/cancel", {"effective": "2026-03-09", "reason": ""}, 422),
        (f"/subscriptions/{sub['id']}/changes", {"effective_from": "2026-03-09"}, 422),
        (f"/subscriptions/{sub['id']}/extras", {"day": "not-a-date"}, 422),
        ("/subscriptions/nope/skips", {"day": "2026-03-09"}, 404),
        (f"/customers/{customer_id}/balance/payments", {"reference": "x", "amount_fen": 1, "method": "cash"}, 422),
        (
            f"/customers/{customer_id}/balance/payments",
            {"reference": "MAN12345", "amount_fen": 1.5, "method": "cash"},
            422,
        ),
    ]
    for path, body, code in cases:
        r = hub.post(path, body)
        assert r.status_code == code, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    after = hub.get(f"/subscriptions/{sub['id']}").json()
    assert [h["kind"] for h in after["history"]] == ["started"] and after["pauses"] == []
    assert hub.get(f"/customers/{customer_id}/balance").json()["entries"] == []


def test_a_store_manager_sees_only_their_store(hub: Hub, any_db_url: str) -> None:
    store_id, customer_id = _depot(hub)
    other_store, _ = _depot(hub)
    sub = _subscribe(hub, store_id, customer_id)
    name = f"mgr-{uuid.uuid4().hex[:6]}"
    r = hub.post(
        "/users",
        {"username": name, "password": "correct-horse-battery-2", "role": "store_manager", "store_ids": [other_store]},
    )
    assert r.status_code == 201, r.text
    manager = login(hub.client, name, "correct-horse-battery-2")
    assert hub.client.get(f"/subscriptions/{sub['id']}", headers=manager).status_code == 404
    assert hub.client.get(f"/customers/{customer_id}/balance", headers=manager).status_code == 403


def test_the_scheduled_cut_off_generates_tomorrow_once_in_the_store_zone(hub: Hub, any_db_url: str) -> None:
    store_id, customer_id = _depot(hub)
    _subscribe(hub, store_id, customer_id)
    db = Database.from_url(any_db_url)
    messaging = Messaging(root="t-scheduled-cut-off", source="hub")
    try:
        before_cutoff = datetime(2026, 3, 2, 11, 55, tzinfo=UTC)  # 19:55 in Shanghai: 3 March still open
        generate_due_days(db, before_cutoff, messaging)
        assert hub.get(f"/stores/{store_id}/subscription-days/2026-03-03/deliveries").json() == []
        generate_due_days(db, AT_CUTOFF, messaging)
        generate_due_days(db, AT_CUTOFF, messaging)
    finally:
        db.dispose()
    deliveries = hub.get(f"/stores/{store_id}/subscription-days/2026-03-03/deliveries").json()
    assert [d["business_date"] for d in deliveries] == ["2026-03-03"]
    picks = hub.get(f"/stores/{store_id}/subscription-days/2026-03-03/pick-list").json()
    assert {(p["sku"], p["quantity"]) for p in picks} == {("MILK-250", 2), ("YOG-100", 1)}


def test_auto_renewal_needs_a_recorded_consent_that_can_be_revoked(hub: Hub) -> None:
    store_id, customer_id = _depot(hub)
    sub = _subscribe(hub, store_id, customer_id)
    assert hub.get(f"/subscriptions/{sub['id']}/auto-renew").json()["auto_renew"] is False
    given = hub.client.put(
        f"/subscriptions/{sub['id']}/auto-renew",
        json={"method": "app_checkbox", "wording_version": "2026-01", "max_price_fen": 36000},
        headers=hub.headers,
    )
    assert given.status_code == 200, given.text
    assert given.json()["granted_by"] == f"customer:{customer_id}" and given.json()["granted_at"].startswith(
        "2026-03-02"
    )
    assert hub.get(f"/subscriptions/{sub['id']}/auto-renew").json()["max_price_fen"] == 36000
    bad = hub.client.put(
        f"/subscriptions/{sub['id']}/auto-renew",
        json={"method": "guessed", "wording_version": "2026-01", "max_price_fen": 36000},
        headers=hub.headers,
    )
    assert bad.status_code == 422
    assert hub.client.delete(f"/subscriptions/{sub['id']}/auto-renew", headers=hub.headers).status_code == 200
    assert hub.get(f"/subscriptions/{sub['id']}/auto-renew").json()["auto_renew"] is False


def test_a_delivery_sends_the_delivered_and_low_balance_notices_once(hub: Hub) -> None:
    store_id, customer_id = _depot(hub)
    _subscribe(hub, store_id, customer_id)
    pay = {"reference": f"MAN{uuid.uuid4().hex[:10]}", "amount_fen": 1500, "method": "cash"}
    assert hub.post(f"/customers/{customer_id}/balance/payments", pay).status_code == 200
    hub.at(AT_CUTOFF)
    hub.post(f"/stores/{store_id}/subscription-days/run")
    delivery = hub.get(f"/stores/{store_id}/subscription-days/2026-03-03/deliveries").json()[0]
    for _ in range(2):
        done = hub.post(f"/subscription-deliveries/{delivery['id']}/outcome", {"outcome": "delivered"}).json()
    assert done["balance_fen"] == 300 and done["low_balance"] is True
    notices = hub.get("/notifications", params={"customer_id": customer_id}).json()
    assert sorted(n["template_id"] for n in notices) == ["subscription-delivered", "subscription-low-balance"]
