"""Refunds, ad-hoc charges and receipts over REST on real SQLite and PostgreSQL, the clock pinned.

A customer pays 50 yuan in cash at the depot, buys a gift box from the balance, gets part of it
refunded, and gets the receipt; a store manager of another store sees none of it.
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
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, seed_store

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
PASSWORD = "long-enough-pw"


class Depot:
    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.client, self.admin = client, admin
        self.store = seed_store(client, admin).store_id
        self.other_store = seed_store(client, admin).store_id
        r = client.post(
            "/customers", json={"phone": f"139{uuid.uuid4().int % 10**8:08d}", "name": "王小明"}, headers=admin
        )
        assert r.status_code in (200, 201), r.text
        self.customer = str(r.json()["id"])
        self.tag = uuid.uuid4().hex[:8]
        """Keys and references are unique per database (PostgreSQL is shared by the tests)."""
        self.cash = f"MAN{self.tag}"

    def user(self, role: str, store: str | None = None) -> dict[str, str]:
        name = f"{role.replace('_', '')}-{uuid.uuid4().hex[:6]}"
        body = {"username": name, "password": PASSWORD, "role": role, "store_ids": [store] if store else None}
        assert self.client.post("/users", json=body, headers=self.admin).status_code == 201
        return login(self.client, name, PASSWORD)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(path, json=body, headers=headers or self.admin)

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers=headers or self.admin, **kw)

    def balance(self) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/customers/{self.customer}/balance").json()
        assert found["balance_fen"] == sum(e["amount_fen"] for e in found["entries"])
        return found


@pytest.fixture
def depot(any_db_url: str, tmp_path: Path) -> Iterator[Depot]:
    with TestClient(create_app(rest_settings(any_db_url, tmp_path))) as client:
        client.app.state.ctx.clock = lambda: NOW  # type: ignore[attr-defined]
        yield Depot(client, login(client, make_admin(any_db_url)))


def _pay(depot: Depot, amount: int = 5000) -> None:
    body = {"reference": depot.cash, "amount_fen": amount, "method": "cash", "store_id": depot.store}
    assert depot.post(f"/customers/{depot.customer}/balance/payments", body).json()["verdict"] == "apply"


def test_an_adhoc_charge_is_taken_once_and_only_what_the_balance_covers(depot: Depot) -> None:
    _pay(depot)
    manager = depot.user("store_manager", depot.store)
    body = {"reference": f"GIFT-0001-{depot.tag}", "amount_fen": 3800, "store_id": depot.store, "note": "礼盒"}
    first = depot.post(f"/customers/{depot.customer}/balance/charges", body, manager)
    again = depot.post(f"/customers/{depot.customer}/balance/charges", body, manager)
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["entry"]["kind"] == "adhoc_order" and first.json()["entry"]["amount_fen"] == -3800
    assert again.json()["balance_fen"] == 1200 == depot.balance()["balance_fen"]

    too_much = depot.post(
        f"/customers/{depot.customer}/balance/charges", {**body, "reference": f"GIFT-0002-{depot.tag}"}, manager
    )
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "billing.insufficient_balance"
    assert "1200 fen does not cover 3800 fen" in too_much.json()["detail"]
    changed = depot.post(f"/customers/{depot.customer}/balance/charges", {**body, "amount_fen": 100}, manager)
    assert changed.status_code == 409 and changed.json()["code"] == "billing.key_conflict"
    assert depot.balance()["balance_fen"] == 1200


def test_a_refund_never_exceeds_what_was_charged_or_paid_and_is_written_once(depot: Depot) -> None:
    _pay(depot)
    charge = {"reference": f"GIFT-0003-{depot.tag}", "amount_fen": 3800, "store_id": depot.store, "note": "礼盒"}
    depot.post(f"/customers/{depot.customer}/balance/charges", charge)
    refund = {
        "key": f"rf-1-{depot.tag}",
        "entry_key": f"adhoc:GIFT-0003-{depot.tag}",
        "amount_fen": 800,
        "note": "少了一瓶",
    }
    first = depot.post(f"/customers/{depot.customer}/balance/refunds", refund)
    again = depot.post(f"/customers/{depot.customer}/balance/refunds", refund)
    assert first.status_code == 201, first.text
    assert (
        first.json()["entry"]["amount_fen"] == 800
        and first.json()["entry"]["refers_to"] == f"adhoc:GIFT-0003-{depot.tag}"
    )
    assert again.json()["created"] is False and again.json()["balance_fen"] == 2000
    assert first.json()["refundable_fen"] == 3000

    over = depot.post(
        f"/customers/{depot.customer}/balance/refunds", {**refund, "key": f"rf-2-{depot.tag}", "amount_fen": 3001}
    )
    assert over.status_code == 409 and over.json()["code"] == "billing.refund_too_large"
    assert "exceeds the 3000 fen still refundable" in over.json()["detail"]

    # A top-up's refund pays money back: at most what was paid and never more than the balance (2000).
    top_up = {"key": f"rf-3-{depot.tag}", "entry_key": f"top_up:{depot.cash}", "amount_fen": 2001, "note": "现金退回"}
    refused = depot.post(f"/customers/{depot.customer}/balance/refunds", top_up)
    assert refused.status_code == 409 and "exceeds the 2000 fen still refundable" in refused.json()["detail"]
    paid_back = depot.post(f"/customers/{depot.customer}/balance/refunds", {**top_up, "amount_fen": 2000})
    assert paid_back.status_code == 201 and paid_back.json()["entry"]["amount_fen"] == -2000
    assert depot.balance()["balance_fen"] == 0
    kinds = [e["kind"] for e in depot.balance()["entries"]]
    assert kinds == ["top_up", "adhoc_order", "refund", "refund"]

    missing = depot.post(f"/customers/{depot.customer}/balance/refunds", {**refund, "entry_key": "adhoc:NOPE"})
    assert missing.status_code == 404


def test_a_receipt_as_json_and_pdf_with_the_balance_after_the_payment(depot: Depot) -> None:
    _pay(depot, amount=5000)
    r = depot.get(f"/billing/payments/{depot.cash}/receipt")
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert receipt["customer_name"] == "王小明" and receipt["reference"] == depot.cash
    assert receipt["amount_fen"] == 5000 and receipt["balance_after_fen"] == 5000
    assert receipt["paid_at"].startswith("2026-03-02T03:00")
    pdf = depot.get(f"/billing/payments/{depot.cash}/receipt", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "收款收据" in text and "50.00" in text and "王小明" in text
    finance = depot.get(f"/billing/payments/{depot.cash}/receipt", depot.user("finance"))
    assert finance.status_code == 200 and finance.json()["customer_name"] != "王小明"
    assert depot.get("/billing/payments/NOPE123456/receipt").status_code == 404


def test_a_store_manager_sees_and_changes_only_their_stores_money(depot: Depot) -> None:
    _pay(depot)
    depot.post(
        f"/customers/{depot.customer}/balance/charges",
        {"reference": f"GIFT-0004-{depot.tag}", "amount_fen": 1000, "store_id": depot.store},
    )
    stranger = depot.user("store_manager", depot.other_store)
    charge = {"reference": f"GIFT-0005-{depot.tag}", "amount_fen": 100, "store_id": depot.store}
    refund = {"key": f"rf-9-{depot.tag}", "entry_key": f"adhoc:GIFT-0004-{depot.tag}", "amount_fen": 100, "note": "x"}
    assert depot.post(f"/customers/{depot.customer}/balance/charges", charge, stranger).status_code == 404
    assert depot.post(f"/customers/{depot.customer}/balance/refunds", refund, stranger).status_code == 404
    assert depot.get(f"/billing/payments/{depot.cash}/receipt", stranger).status_code == 404
    marketer = depot.user("marketer")
    assert depot.post(f"/customers/{depot.customer}/balance/refunds", refund, marketer).status_code == 403
    assert depot.balance()["balance_fen"] == 4000


def test_money_taken_late_in_the_evening_in_urumqi_is_booked_on_urumqis_day(depot: Depot) -> None:
    """16:30 UTC is 22:30 in Urumqi and already 00:30 tomorrow in Shanghai: the store's cash, its
    ad-hoc sale and the refund are the store's day's; a finance adjustment (no store) is China's."""
    late = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    depot.client.app.state.ctx.clock = lambda: late  # type: ignore[attr-defined]
    urumqi = f"s-urumqi-{depot.tag}"
    body = {"id": urumqi, "name": "乌鲁木齐店", "lat": 43.8256, "lon": 87.6168, "timezone": "Asia/Urumqi"}
    assert depot.post("/stores", body).status_code == 201
    cash = {"reference": f"MANU{depot.tag}", "amount_fen": 5000, "method": "cash", "store_id": urumqi}
    assert depot.post(f"/customers/{depot.customer}/balance/payments", cash).json()["verdict"] == "apply"
    sale = {"reference": f"GIFT-U-{depot.tag}", "amount_fen": 1000, "store_id": urumqi, "note": "酸奶"}
    assert depot.post(f"/customers/{depot.customer}/balance/charges", sale).status_code == 201
    refund = {"key": f"rf-u-{depot.tag}", "entry_key": f"adhoc:GIFT-U-{depot.tag}", "amount_fen": 200, "note": "少"}
    assert depot.post(f"/customers/{depot.customer}/balance/refunds", refund).status_code == 201
    adjust = {"key": f"adj-u-{depot.tag}", "amount_fen": 100, "note": "补差"}
    assert depot.post(f"/customers/{depot.customer}/balance/adjustments", adjust).status_code in (200, 201)
    booked = {e["kind"]: e["business_date"] for e in depot.balance()["entries"]}
    assert booked == {
        "top_up": "2026-03-02",
        "adhoc_order": "2026-03-02",
        "refund": "2026-03-02",
        "adjustment": "2026-03-03",
    }
