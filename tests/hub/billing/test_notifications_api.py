"""Provider notifications through the hub's REST endpoint: a local server plays Alipay with RSA2 keys
made in the test. Sent twice or out of order: applied once; a bad signature: refused, nothing applied."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from hub.billing.payments.alipay import AlipayAdapter, AlipayConfig
from tests.hub.billing.payments.fake_alipay import FakeAlipay
from tests.hub.billing.payments.keys import KeyPair, new_key
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
APP_ID, SELLER_ID = "2021000123456789", "2088621234567890"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.fixture(scope="module")
def keys() -> tuple[KeyPair, KeyPair]:
    return new_key(), new_key()


@pytest.fixture
def setup(
    any_db_url: str, tmp_path: Path, keys: tuple[KeyPair, KeyPair]
) -> Iterator[tuple[TestClient, FakeAlipay, dict[str, str]]]:
    app_key, alipay_key = keys
    fake = FakeAlipay(app_id=APP_ID, seller_id=SELLER_ID, app_key=app_key, alipay_key=alipay_key, clock=lambda: NOW)
    with fake.server, TestClient(create_app(rest_settings(any_db_url, tmp_path))) as client:
        adapter = AlipayAdapter(
            AlipayConfig(
                app_id=APP_ID,
                app_private_key=app_key.private_pem,
                alipay_public_key=alipay_key.public_pem,
                notify_url="http://127.0.0.1:9/billing/notifications/alipay",
                seller_id=SELLER_ID,
                gateway_url=fake.gateway_url,
            ),
            clock=lambda: NOW,
        )
        client.app.state.payment_providers = {"alipay": adapter}  # type: ignore[attr-defined]
        client.app.state.ctx.clock = lambda: NOW  # type: ignore[attr-defined]
        yield client, fake, login(client, make_admin(any_db_url))


def test_an_alipay_top_up_is_applied_once_and_a_forged_one_is_refused(
    setup: tuple[TestClient, FakeAlipay, dict[str, str]],
) -> None:
    client, fake, headers = setup
    customer = client.post("/customers", json={"phone": f"139{uuid.uuid4().int % 10**8:08d}"}, headers=headers).json()
    reference = f"TOP{uuid.uuid4().hex[:12]}"
    top_up = client.post(
        f"/customers/{customer['id']}/balance/top-ups",
        json={"reference": reference, "amount_fen": 4550, "method": "alipay.precreate"},
        headers=headers,
    )
    assert top_up.status_code == 201, top_up.text
    assert top_up.json()["action"]["code_url"]
    fake.pay(reference, NOW)

    forged = client.post(
        "/billing/notifications/alipay", content=fake.notification(reference, key=new_key()), headers=FORM
    )
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["code"] == "payment.bad_signature"
    assert client.get(f"/customers/{customer['id']}/balance", headers=headers).json()["balance_fen"] == 0

    body = fake.notification(reference)
    for _ in range(2):
        answer = client.post("/billing/notifications/alipay", content=body, headers=FORM)
        assert (answer.status_code, answer.content) == (200, b"success")
    balance = client.get(f"/customers/{customer['id']}/balance", headers=headers).json()
    assert balance["balance_fen"] == 4550
    assert [e["kind"] for e in balance["entries"]] == ["top_up"]


def test_a_notification_for_an_unconfigured_provider_is_a_problem(
    setup: tuple[TestClient, FakeAlipay, dict[str, str]],
) -> None:
    client, _fake, _headers = setup
    r = client.post("/billing/notifications/wechat", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def _paid_top_up(client: TestClient, fake: FakeAlipay, headers: dict[str, str], amount_fen: int) -> tuple[str, str]:
    customer = client.post("/customers", json={"phone": f"139{uuid.uuid4().int % 10**8:08d}"}, headers=headers).json()
    reference = f"TOP{uuid.uuid4().hex[:12]}"
    body = {"reference": reference, "amount_fen": amount_fen, "method": "alipay.precreate"}
    assert client.post(f"/customers/{customer['id']}/balance/top-ups", json=body, headers=headers).status_code == 201
    fake.pay(reference, NOW)
    assert (
        client.post("/billing/notifications/alipay", content=fake.notification(reference), headers=FORM).status_code
        == 200
    )
    return customer["id"], reference


def test_refunding_an_alipay_top_up_pays_it_back_through_alipay_once_and_its_notice_changes_nothing(
    setup: tuple[TestClient, FakeAlipay, dict[str, str]],
) -> None:
    """Before, the refund was only booked: the money stayed with the depot until someone refunded it
    again in Alipay's console, and that refund's notice then took it off the balance a second time."""
    client, fake, headers = setup
    customer, reference = _paid_top_up(client, fake, headers, 5000)
    refund = {
        "key": f"rf-{uuid.uuid4().hex[:8]}",
        "entry_key": f"top_up:{reference}",
        "amount_fen": 2000,
        "note": "搬家退款",
    }
    first = client.post(f"/customers/{customer}/balance/refunds", json=refund, headers=headers)
    again = client.post(f"/customers/{customer}/balance/refunds", json=refund, headers=headers)  # a double click
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json()["created"] is False
    assert [(r["out_trade_no"], r["refund_amount"]) for r in fake.refunds] == [(reference, "20.00")], "asked once"
    refund_no = fake.refunds[0]["out_request_no"]
    assert client.get(f"/customers/{customer}/balance", headers=headers).json()["balance_fen"] == 3000

    notice = fake.notification(reference, refund_fee="20.00", gmt_refund="2026-03-02 09:05:00", out_biz_no=refund_no)
    answer = client.post("/billing/notifications/alipay", content=notice, headers=FORM)
    assert (answer.status_code, answer.content) == (200, b"success")
    balance = client.get(f"/customers/{customer}/balance", headers=headers).json()
    assert balance["balance_fen"] == 3000, "Alipay's notice of the same refund is not a second refund"
    assert [e["kind"] for e in balance["entries"]] == ["top_up", "refund"]


def test_a_refund_alipay_refuses_writes_nothing_and_the_same_request_later_pays_it_back(
    setup: tuple[TestClient, FakeAlipay, dict[str, str]],
) -> None:
    client, fake, headers = setup
    customer, reference = _paid_top_up(client, fake, headers, 5000)
    refund = {
        "key": f"rf-{uuid.uuid4().hex[:8]}",
        "entry_key": f"top_up:{reference}",
        "amount_fen": 5000,
        "note": "退订",
    }
    fake.refuse_refunds = True
    refused = client.post(f"/customers/{customer}/balance/refunds", json=refund, headers=headers)
    assert refused.status_code == 502 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "payment.provider_error" and "ACQ.SYSTEM_ERROR" in refused.json()["detail"]
    balance = client.get(f"/customers/{customer}/balance", headers=headers).json()
    assert balance["balance_fen"] == 5000 and [e["kind"] for e in balance["entries"]] == ["top_up"]

    fake.refuse_refunds = False
    paid_back = client.post(f"/customers/{customer}/balance/refunds", json=refund, headers=headers)
    assert paid_back.status_code == 201, paid_back.text
    numbers = [r["out_request_no"] for r in fake.refunds]
    assert len(numbers) == 2 and numbers[0] == numbers[1], "asked again with the same refund number"
    assert client.get(f"/customers/{customer}/balance", headers=headers).json()["balance_fen"] == 0


def test_refunding_a_top_up_paid_through_a_provider_without_keys_here_is_a_conflict(
    setup: tuple[TestClient, FakeAlipay, dict[str, str]],
) -> None:
    client, fake, headers = setup
    customer, reference = _paid_top_up(client, fake, headers, 1000)
    client.app.state.payment_providers = {}  # type: ignore[attr-defined]
    refund = {
        "key": f"rf-{uuid.uuid4().hex[:8]}",
        "entry_key": f"top_up:{reference}",
        "amount_fen": 1000,
        "note": "退款",
    }
    answer = client.post(f"/customers/{customer}/balance/refunds", json=refund, headers=headers)
    assert answer.status_code == 409 and answer.json()["code"] == "billing.provider_not_configured"
    assert client.get(f"/customers/{customer}/balance", headers=headers).json()["balance_fen"] == 1000
