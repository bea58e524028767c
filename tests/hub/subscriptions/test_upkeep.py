"""The subscription upkeep job on real SQLite and PostgreSQL, the clock pinned: low-balance and
expiring-plan reminders through the notification outbox once per period, automatic renewal only
with a recorded consent (its charge created once), prepaid value expiring under the plan's policy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.billing.api import renewal_reference
from hub.subscriptions.jobs import run_subscription_upkeep
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, seed_store

CHINA = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai, Monday 2 March 2026
START = "2026-03-03"


class Depot:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.store = seed_store(client, headers, store_id=f"u-{uuid.uuid4().hex[:8]}").store_id
        settings = {"zone": "Asia/Shanghai", "cutoff": "20:00", "route_count": 1, "low_balance_deliveries": 3}
        assert client.put(f"/stores/{self.store}/subscription-settings", json=settings, headers=headers).is_success
        self.plan = f"milk-{uuid.uuid4().hex[:8]}"
        plan = {
            "id": self.plan,
            "name": "鲜奶月卡",
            "kind": "monthly",
            "price_fen": 36000,
            "items": [{"sku": "MILK-250", "name": "鲜牛奶 250 ml", "quantity": 2, "unit_price_fen": 600}],
            "frequency": {"kind": "daily"},
            "window_start": "06:00",
            "window_end": "08:00",
            "renewal": {"remind_days_before": 3, "prepaid_valid_days": 30},
        }
        assert self.post("/subscription-plans", plan).status_code == 201

    def at(self, when: datetime) -> datetime:
        self.client.app.state.ctx.clock = lambda: when  # type: ignore[attr-defined]
        return when

    def upkeep(self) -> Any:
        ctx = self.client.app.state.ctx  # type: ignore[attr-defined]
        return run_subscription_upkeep(ctx.db, ctx.clock())

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers)

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kw)

    def subscriber(self, paid_fen: int) -> tuple[str, str]:
        """A customer subscribed from ``START`` who paid ``paid_fen`` in cash on 2 March: (customer, subscription)."""
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        customer = str(self.post("/customers", {"phone": phone, "name": "王小明"}).json()["id"])
        body = {
            "customer_id": customer,
            "store_id": self.store,
            "plan_id": self.plan,
            "start": START,
            "address": {"line": "静安区 1 号 101 室", "lat": 31.2310, "lon": 121.4740},
        }
        sub = self.post("/subscriptions", body)
        assert sub.status_code == 201, sub.text
        pay = {"reference": f"MAN{uuid.uuid4().hex[:10]}", "amount_fen": paid_fen, "method": "cash"}
        assert self.post(f"/customers/{customer}/balance/payments", pay).json()["verdict"] == "apply"
        return customer, str(sub.json()["id"])

    def notices(self, customer: str) -> list[str]:
        found = self.get("/notifications", params={"customer_id": customer}).json()
        return sorted(n["template_id"] for n in found)


@pytest.fixture
def depot(any_db_url: str, tmp_path: Path) -> Iterator[Depot]:
    with TestClient(create_app(rest_settings(any_db_url, tmp_path))) as client:
        d = Depot(client, login(client, make_admin(any_db_url)))
        d.at(T0)
        yield d


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), CHINA).astimezone(UTC)


def test_a_low_balance_reminder_is_queued_once_per_funding(depot: Depot) -> None:
    low, _ = depot.subscriber(paid_fen=3000)  # 2.5 deliveries of 1200 fen: below 3
    enough, _ = depot.subscriber(paid_fen=3600)
    for _ in range(2):
        depot.upkeep()
    assert depot.notices(low) == ["subscription-low-balance"]
    assert depot.notices(enough) == []

    top_up = {"reference": f"MAN{uuid.uuid4().hex[:10]}", "amount_fen": 100, "method": "cash"}
    depot.post(f"/customers/{low}/balance/payments", top_up)  # a new funding, still below: the next reminder
    depot.upkeep()
    depot.upkeep()
    assert depot.notices(low) == ["subscription-low-balance", "subscription-low-balance"]


def test_the_plan_renews_at_its_end_only_with_consent_and_its_charge_is_created_once(depot: Depot) -> None:
    consenting, renewing = depot.subscriber(paid_fen=50000)
    other, not_renewing = depot.subscriber(paid_fen=50000)
    consent = {"method": "app_checkbox", "wording_version": "2026-01", "max_price_fen": 36000}
    assert depot.client.put(f"/subscriptions/{renewing}/auto-renew", json=consent, headers=depot.headers).is_success
    ends = date.fromisoformat(depot.get(f"/subscriptions/{renewing}").json()["ends_on"])

    depot.at(_morning(ends - timedelta(days=4)))
    depot.upkeep()
    assert depot.notices(consenting) == depot.notices(other) == []
    depot.at(_morning(ends - timedelta(days=3)))
    depot.upkeep()
    depot.upkeep()
    assert depot.notices(consenting) == depot.notices(other) == ["subscription-expiring"]

    depot.at(_morning(ends - timedelta(days=1)))
    first = depot.upkeep()
    depot.upkeep()
    assert first.renewed >= 1
    renewed = depot.get(f"/subscriptions/{renewing}").json()
    assert date.fromisoformat(renewed["ends_on"]) > ends
    assert [h["actor"] for h in renewed["history"] if h["kind"] == "renewed"] == ["system:subscriptions-upkeep"]
    assert f"term from {(ends + timedelta(days=1)).isoformat()}" in renewed["history"][-1]["summary"]
    assert depot.get(f"/subscriptions/{not_renewing}").json()["ends_on"] == ends.isoformat()

    # The renewal's charge: a payment order for the renewal price under the term's reference, created once.
    reference = renewal_reference(renewing, ends + timedelta(days=1))
    wrong = {"reference": reference, "amount_fen": 100, "method": "cash"}
    assert depot.post(f"/customers/{consenting}/balance/payments", wrong).status_code == 422
    paid = depot.post(f"/customers/{consenting}/balance/payments", {**wrong, "amount_fen": 36000})
    assert paid.json()["verdict"] == "apply" and paid.json()["balance_fen"] == 86000
    assert depot.upkeep().renewed == 0

    # The renewal rate of the terms that ended on ``ends``: counted once that day is over in Shanghai.
    figures = {"store_id": depot.store, "date_from": ends.isoformat(), "date_to": ends.isoformat()}
    assert depot.get("/analytics/renewals", params=figures).json()["due"] == 0
    depot.at(_morning(ends + timedelta(days=1)))
    rate = depot.get("/analytics/renewals", params=figures).json()
    assert (rate["due"], rate["renewed"], rate["automatic"], rate["rate"]) == (2, 1, 1, 0.5)


def test_prepaid_value_expires_after_the_plans_valid_days_once(depot: Depot) -> None:
    customer, _ = depot.subscriber(paid_fen=5000)  # paid on 2 March: spendable through 1 April
    depot.at(_morning(date(2026, 4, 1)))
    depot.upkeep()
    assert depot.get(f"/customers/{customer}/balance").json()["balance_fen"] == 5000
    depot.at(_morning(date(2026, 4, 2)))
    depot.upkeep()
    depot.upkeep()
    balance = depot.get(f"/customers/{customer}/balance").json()
    assert balance["balance_fen"] == 0 == sum(e["amount_fen"] for e in balance["entries"])
    expiry = [e for e in balance["entries"] if e["kind"] == "expiry"]
    assert len(expiry) == 1 and expiry[0]["amount_fen"] == -5000 and expiry[0]["business_date"] == "2026-04-02"
