"""Coupons from template to redemption: thresholds, caps, limits, stores, release on cancel; points as payment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.hub.crm.builders import World
from tests.hub.crm.users import user
from tests.hub.seed import SeededStore, order_body, seed_store

SUBTOTAL = 13_600  # the seeded order: 2 x 宫保鸡丁 38.00 + 10 x 羊肉串 6.00


@pytest.fixture
def world(client: TestClient) -> World:
    return World(client.app.state.ctx.db)  # type: ignore[attr-defined]


def _template(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("id", f"t-{datetime.now(UTC).timestamp():.0f}-{len(body)}")
    body.setdefault("name", "测试券")
    body.setdefault("valid_days", 7)
    r = client.post("/coupon-templates", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _customer(client: TestClient, headers: dict[str, str], phone: str) -> str:
    r = client.post("/customers", json={"phone": phone, "name": "王小明"}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def _grant(client: TestClient, headers: dict[str, str], template_id: str, customer_id: str, key: str = "k1") -> Any:
    return client.post(
        f"/coupon-templates/{template_id}/grants", json={"customer_id": customer_id, "key": key}, headers=headers
    )


def _order(client: TestClient, headers: dict[str, str], store_id: str, phone: str, **extra: Any) -> Any:
    return client.post("/orders", json=order_body(store_id, customer={"phone": phone}, **extra), headers=headers)


def test_amount_off_coupon_from_grant_to_release(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, world: World
) -> None:
    marketer = user(client, admin_headers, "marketer")
    template = _template(
        client, marketer, id="man100jian20", kind="amount_off", amount_off_fen=2000, min_spend_fen=10_000
    )
    assert template["title"] == "满100减20"
    customer = _customer(client, admin_headers, "13812340001")

    first = _grant(client, marketer, "man100jian20", customer)
    again = _grant(client, marketer, "man100jian20", customer)
    assert (first.status_code, again.status_code) == (201, 200), "the same key grants once"
    code = first.json()["code"]
    assert again.json()["code"] == code
    assert client.get("/coupon-templates/man100jian20", headers=marketer).json()["issued_count"] == 1

    placed = _order(client, admin_headers, store.store_id, "+86 138 1234 0001", coupon_code=code.lower())
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["subtotal_fen"], order["discount_fen"], order["total_fen"]) == (SUBTOTAL, 2000, SUBTOTAL - 2000)
    coupon = client.get(f"/coupons/{code}", headers=admin_headers).json()
    assert (coupon["status"], coupon["order_id"], coupon["discount_fen"]) == ("redeemed", order["id"], 2000)

    used = _order(client, admin_headers, store.store_id, "13812340001", coupon_code=code)
    assert used.status_code == 409
    assert used.json()["code"] == "coupon.unavailable"

    cancelled = client.post(f"/orders/{order['id']}/status", json={"status": "cancelled"}, headers=admin_headers)
    assert cancelled.status_code == 200, cancelled.text
    world.feed()
    assert client.get(f"/coupons/{code}", headers=admin_headers).json()["status"] == "available"
    assert _order(client, admin_headers, store.store_id, "13812340001", coupon_code=code).status_code == 201


def test_a_coupon_that_does_not_apply_refuses_the_order_and_writes_nothing(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    marketer = user(client, admin_headers, "marketer")
    other_store = seed_store(client, admin_headers)
    _template(client, marketer, id="big", kind="amount_off", amount_off_fen=1000, min_spend_fen=50_000)
    _template(client, marketer, id="elsewhere", kind="amount_off", amount_off_fen=500, store_ids=[other_store.store_id])
    owner = _customer(client, admin_headers, "13812340002")
    _customer(client, admin_headers, "13812340003")
    big = _grant(client, marketer, "big", owner).json()["code"]
    elsewhere = _grant(client, marketer, "elsewhere", owner).json()["code"]

    cases = {
        big: ("13812340002", "at least 50000 fen"),
        elsewhere: ("13812340002", "not valid in this store"),
    }
    for code, (phone, reason) in cases.items():
        r = _order(client, admin_headers, store.store_id, phone, coupon_code=code)
        assert r.status_code == 422, r.text
        assert reason in r.json()["detail"]
    r = _order(client, admin_headers, store.store_id, "13812340003", coupon_code=big)
    assert (r.status_code, r.json()["code"]) == (422, "coupon.not_applicable")
    assert "another customer" in r.json()["detail"]
    assert _order(client, admin_headers, store.store_id, "13812340002", coupon_code="NOSUCHCODE").status_code == 422
    orders = client.get("/orders", params={"store_id": store.store_id}, headers=admin_headers).json()
    assert orders == [], "a refused coupon leaves no order behind"
    assert client.get(f"/coupons/{big}", headers=admin_headers).json()["status"] == "available"


def test_percent_off_is_capped_and_free_delivery_takes_the_fee(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    marketer = user(client, admin_headers, "marketer")
    pct = _template(client, marketer, id="pct", kind="percent_off", percent_off=15, max_discount_fen=1500)
    assert pct["title"] == "8.5折 最高减15"
    _template(client, marketer, id="ship", kind="free_delivery", min_spend_fen=3000)
    customer = _customer(client, admin_headers, "13812340004")
    code = _grant(client, marketer, "pct", customer).json()["code"]
    order = _order(client, admin_headers, store.store_id, "13812340004", coupon_code=code).json()
    assert order["discount_fen"] == 1500, "15% of 136.00 is 20.40, capped at 15.00"
    code = _grant(client, marketer, "ship", customer).json()["code"]
    order = _order(client, admin_headers, store.store_id, "13812340004", coupon_code=code, delivery_fee_fen=600).json()
    assert (order["discount_fen"], order["total_fen"]) == (600, SUBTOTAL)


def test_per_customer_and_total_limits(client: TestClient, admin_headers: dict[str, str]) -> None:
    marketer = user(client, admin_headers, "marketer")
    _template(
        client, marketer, id="limited", kind="amount_off", amount_off_fen=100, per_customer_limit=2, total_limit=3
    )
    a = _customer(client, admin_headers, "13812340005")
    b = _customer(client, admin_headers, "13812340006")
    assert [_grant(client, marketer, "limited", a, key=k).status_code for k in ("1", "2", "3")] == [201, 201, 409]
    assert _grant(client, marketer, "limited", b, key="1").status_code == 201
    r = _grant(client, marketer, "limited", b, key="2")
    assert (r.status_code, r.json()["code"]) == (409, "coupon.limit_reached")
    assert client.get("/coupon-templates/limited", headers=marketer).json()["issued_count"] == 3


def test_expired_and_voided_coupons_are_refused(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    marketer = user(client, admin_headers, "marketer")
    ends = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    _template(client, marketer, id="short", kind="amount_off", amount_off_fen=100, valid_days=None, valid_until=ends)
    _template(client, marketer, id="voidable", kind="amount_off", amount_off_fen=100)
    customer = _customer(client, admin_headers, "13812340007")
    short = _grant(client, marketer, "short", customer).json()
    assert short["expired"] is False
    voidable = _grant(client, marketer, "voidable", customer).json()["code"]
    assert client.post(f"/coupons/{voidable}/void", headers=marketer).json()["status"] == "void"
    assert client.post(f"/coupons/{voidable}/void", headers=marketer).status_code == 409
    assert _order(client, admin_headers, store.store_id, "13812340007", coupon_code=voidable).status_code == 409
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        from hub.marketing.coupons import coupons

        session.execute(coupons.update().where(coupons.c.code == short["code"]).values(valid_until=datetime.now(UTC)))
        session.commit()
    r = _order(client, admin_headers, store.store_id, "13812340007", coupon_code=short["code"])
    assert r.status_code == 422 and "expired" in r.json()["detail"]


def test_points_are_earned_spent_as_payment_and_returned_on_cancel(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, world: World
) -> None:
    phone = "13812340008"
    first = _order(client, admin_headers, store.store_id, phone).json()
    world.feed()
    customer = first["customer_id"]
    points = client.get(f"/customers/{customer}/points", headers=admin_headers).json()
    assert points["balance"] == SUBTOTAL // 100 == sum(e["delta"] for e in points["entries"])

    too_many = _order(client, admin_headers, store.store_id, phone, points_to_use=points["balance"] + 1)
    assert (too_many.status_code, too_many.json()["code"]) == (409, "points.insufficient")
    paid = _order(client, admin_headers, store.store_id, phone, points_to_use=100).json()
    assert (paid["discount_fen"], paid["total_fen"]) == (100, SUBTOTAL - 100), "100 points are worth 1 yuan"
    world.feed()
    assert client.get(f"/customers/{customer}/points", headers=admin_headers).json()["balance"] == 136 - 100 + 135

    client.post(f"/orders/{paid['id']}/status", json={"status": "cancelled"}, headers=admin_headers)
    world.feed()
    after = client.get(f"/customers/{customer}/points", headers=admin_headers).json()
    assert after["balance"] == 136, "the cancelled order's points are taken back and the spent ones returned"
    assert after["balance"] == sum(e["delta"] for e in after["entries"])
    assert {e["kind"] for e in after["entries"]} == {"earn", "spend", "reverse", "unspend"}


def test_points_buy_a_reward_coupon_once_per_key(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, world: World
) -> None:
    marketer = user(client, admin_headers, "marketer")
    _template(client, marketer, id="reward", kind="amount_off", amount_off_fen=500, points_cost=100)
    order = _order(client, admin_headers, store.store_id, "13812340009").json()
    world.feed()
    customer = order["customer_id"]
    body = {"template_id": "reward", "key": "counter-1"}
    first = client.post(f"/customers/{customer}/points/rewards", json=body, headers=admin_headers)
    second = client.post(f"/customers/{customer}/points/rewards", json=body, headers=admin_headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] == second.json()["code"]
    assert client.get(f"/customers/{customer}/points", headers=admin_headers).json()["balance"] == 36
    broke = client.post(f"/customers/{customer}/points/rewards", json={**body, "key": "k2"}, headers=admin_headers)
    assert broke.status_code == 409
    assert len(client.get(f"/customers/{customer}/coupons", headers=admin_headers).json()) == 1, "rolled back"


def test_a_template_row_without_an_end_is_refused_not_a_crash(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """The API requires valid_days or valid_until; a row written another way (SQL, an old import) still
    gets a 409 that says what is missing, not a 500."""
    marketer = user(client, admin_headers, "marketer")
    _template(client, marketer, id="endless", kind="amount_off", amount_off_fen=100)
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        from hub.marketing.tables import CouponTemplate

        template = session.get(CouponTemplate, "endless")
        assert template is not None
        template.valid_days = None
        session.add(template)
        session.commit()
    r = _grant(client, marketer, "endless", _customer(client, admin_headers, "13812340008"))
    assert r.status_code == 409 and "no end" in r.json()["detail"], r.text
