"""The customer 360 over REST: profile, stats, tier, points, coupons, tags, search, roles, PIPL export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.audit.tables import AuditEntry
from hub.db_types import utcnow
from hub.orders.tables import Order
from tests.hub.crm.builders import World
from tests.hub.crm.users import user
from tests.hub.seed import SeededStore, order_body, seed_store

ORDERS = Order.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
PHONE = "+8613812345678"


def _world(client: TestClient) -> World:
    return World(client.app.state.ctx.db)  # type: ignore[attr-defined]


def _last_lunchtime() -> datetime:
    """The latest 12:00 in Shanghai before now: an hour that makes no night owl, whenever CI runs."""
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    return (noon if noon <= now else noon - timedelta(days=1)).astimezone(UTC)


def _orders(
    client: TestClient, headers: dict[str, str], store: SeededStore, n: int, days_apart: int = 0, **customer: Any
) -> str:
    """``n`` orders at the last lunchtime (one visit), or ``days_apart`` days apart with the last one then.

    Each order reaches the hub a minute after it was placed: the hub's clock is pinned to that moment,
    since the hub refuses orders placed more than a day before its clock.
    """
    customer = customer or {"phone": "138-1234-5678", "name": "王小明", "member_id": "M-42"}
    ids = []
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    last = _last_lunchtime()
    for i in range(n):
        placed = last - timedelta(days=days_apart * (n - 1 - i))
        ctx.clock = lambda at=placed: at + timedelta(minutes=1)
        body = order_body(store.store_id, customer=customer, placed_at=placed.isoformat())
        r = client.post("/orders", json=body, headers=headers)
        assert r.status_code == 201, r.text
        ids.append(r.json())
    ctx.clock = utcnow
    world = _world(client)
    world.feed()
    world.recompute()
    return str(ids[0]["customer_id"])


def test_the_360_brings_everything_together(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    customer = _orders(client, admin_headers, store, 4, days_apart=7)  # four visits: a predicted fifth
    profile = client.patch(
        f"/customers/{customer}/profile",
        json={"birthday": "1990-07-01", "email": "XM@example.cn", "preferences": {"spice": "少辣"}, "notes": "老客"},
        headers=admin_headers,
    )
    assert profile.status_code == 200, profile.text
    address = client.post(
        f"/customers/{customer}/addresses",
        json={"label": "公司", "address": "上海市浦东新区世纪大道100号环球金融中心", "notes": "放门口保温箱"},
        headers=admin_headers,
    )
    assert address.status_code == 201
    assert (
        client.put(f"/customers/{customer}/consents/sms", json={"granted": True}, headers=admin_headers).status_code
        == 204
    )
    assert client.put(f"/customers/{customer}/tags/VIP", headers=admin_headers).status_code == 204
    _world(client).recompute()

    view = client.get(f"/customers/{customer}/360", headers=admin_headers).json()
    assert view["display_name"] == "王小明"
    assert {(i["kind"], i["value"]) for i in view["identities"]} == {("phone", PHONE), ("member_id", "M-42")}
    assert (view["birthday"], view["email"], view["preferences"]) == ("1990-07-01", "xm@example.cn", {"spice": "少辣"})
    assert view["addresses"][0]["notes"] == "放门口保温箱" and view["addresses"][0]["is_default"]
    assert view["consents"] == {"sms": True, "wechat": False, "email": False}
    assert view["stats"]["orders_count"] == 4
    assert view["stats"]["spend_fen"] == 4 * 13_600 and view["stats"]["aov_fen"] == 13_600
    assert view["stats"]["predicted_next_at"] is not None
    assert view["tier"]["code"] == "silver" and view["tier"]["benefits"] == ["priority_service"], (
        "544 yuan in 12 months"
    )
    assert view["tier"]["next_tier"] == "gold" and view["tier"]["to_next_fen"] == 200_000 - 4 * 13_600
    assert view["points_balance"] == 4 * 136
    assert view["lifecycle"] == "active" and view["segment"] != "prospect"
    assert {(t["tag"], t["source"]) for t in view["tags"]} == {("VIP", "manual"), ("office_address", "rule")}
    assert len(view["recent_orders"]) == 4 and view["service_history"] == []


def test_search_by_phone_in_any_format_last_digits_name_member_id_and_tag(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    customer = _orders(client, admin_headers, store, 1)
    _orders(client, admin_headers, store, 1, phone="13900001111", name="李雷")
    client.put(f"/customers/{customer}/tags/常客", headers=admin_headers)
    for q in ("138 1234 5678", "+86-138-1234-5678", "008613812345678", "5678", "王小", "M-42"):
        found = client.get("/customers", params={"q": q}, headers=admin_headers).json()
        assert [c["id"] for c in found] == [customer], q
    assert [c["id"] for c in client.get("/customers", params={"tag": "常客"}, headers=admin_headers).json()] == [
        customer
    ]
    assert len(client.get("/customers", headers=admin_headers).json()) == 2
    assert client.get("/customers", params={"segment": "no-such"}, headers=admin_headers).status_code == 422


def test_roles_masking_and_store_scope(client: TestClient, admin_headers: dict[str, str], store: SeededStore) -> None:
    customer = _orders(client, admin_headers, store, 1)
    other = seed_store(client, admin_headers)
    marketer = user(client, admin_headers, "marketer")
    finance = user(client, admin_headers, "finance")
    own_manager = user(client, admin_headers, "store_manager", [store.store_id])
    other_manager = user(client, admin_headers, "store_manager", [other.store_id])

    masked = client.get(f"/customers/{customer}/360", headers=marketer).json()
    assert {i["value"] for i in masked["identities"] if i["kind"] == "phone"} == {"138****5678"}
    assert client.get("/customers", params={"q": "5678"}, headers=marketer).json()[0]["phone"] == "138****5678"
    assert client.patch(f"/customers/{customer}/profile", json={"notes": "x"}, headers=marketer).status_code == 403
    assert client.put(f"/customers/{customer}/tags/活动", headers=marketer).status_code == 204
    assert client.get(f"/customers/{customer}/points", headers=finance).status_code == 200
    assert client.post("/rules/win-back/run", headers=finance).status_code == 403
    assert client.get(f"/customers/{customer}/360", headers=own_manager).status_code == 200
    assert client.get(f"/customers/{customer}/360", headers=other_manager).status_code == 404
    assert client.get(f"/customers/{customer}/points", headers=other_manager).status_code == 404
    assert client.get("/customers", headers=other_manager).json() == []
    assert client.get(f"/customers/{customer}/export", headers=own_manager).status_code == 403


def test_pipl_export_and_erasure_keep_the_statistics(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    customer = _orders(client, admin_headers, store, 3)
    client.patch(
        f"/customers/{customer}/profile", json={"birthday": "07-01", "email": "xm@example.cn"}, headers=admin_headers
    )
    client.post(f"/customers/{customer}/addresses", json={"address": "南京东路1号"}, headers=admin_headers)
    before = client.get(f"/customers/{customer}/360", headers=admin_headers).json()

    export = client.get(f"/customers/{customer}/export", headers=admin_headers)
    assert export.status_code == 200
    data = export.json()
    assert data["customer"]["display_name"] == "王小明"
    assert {i["value"] for i in data["identities"]} == {PHONE, "M-42"}
    assert data["profile"][0]["email"] == "xm@example.cn"
    assert len(data["orders"]) == 3 and data["orders"][0]["delivery_address"] == "上海市黄浦区南京东路1号"
    assert data["orders"][0]["lines"][0]["modifiers"] == ["少辣"]
    assert sum(e["delta"] for e in data["points_ledger"]) == data["points_account"][0]["balance"] == 3 * 136

    erased = client.post(f"/customers/{customer}/erase", headers=admin_headers)
    assert erased.status_code == 200, erased.text
    view = erased.json()
    assert view["anonymised"] and view["display_name"] == "" and view["identities"] == []
    assert (view["email"], view["birthday"], view["addresses"]) == (None, None, [])
    assert view["stats"] == before["stats"], "order statistics stay"
    assert view["points_balance"] == before["points_balance"]
    addresses = {
        r.delivery_address for r in _world(client).rows(select(ORDERS).where(ORDERS.c.customer_id == customer))
    }
    assert addresses == {None}
    assert client.get("/customers/lookup", params={"phone": PHONE}, headers=admin_headers).status_code == 404
    actions = {r.action for r in _world(client).rows(select(AUDIT.c.action).where(AUDIT.c.target_id == customer))}
    assert {"customer.export", "customer.erase"} <= actions
    again = client.post("/orders", json=order_body(store.store_id, customer={"phone": PHONE}), headers=admin_headers)
    assert again.json()["customer_id"] != customer, "the erased customer cannot be found by their old phone"


def test_crm_settings_recompute_and_overview(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    _orders(client, admin_headers, store, 2)
    marketer = user(client, admin_headers, "marketer")
    config = client.get("/crm/config", headers=marketer).json()
    assert [t["code"] for t in config["tiers"]] == ["silver", "gold", "black_gold"]
    config["tiers"][0]["threshold_fen"] = 20_000
    assert client.put("/crm/config", json=config, headers=marketer).status_code == 200
    bad = {**config, "churned_days": 10, "dormant_days": 30}
    assert client.put("/crm/config", json=bad, headers=marketer).status_code == 422
    result = client.post("/crm/recompute", headers=marketer).json()
    assert result["scored"] >= 1
    overview = client.get("/crm/overview", headers=marketer).json()
    assert overview["customers"] == 1 and sum(overview["segments"].values()) == 1
    assert overview["tiers"] == {"silver": 1}
    assert client.get("/loyalty/tiers", headers=marketer).json()["tiers"][0]["threshold_fen"] == 20_000
