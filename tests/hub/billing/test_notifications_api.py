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
