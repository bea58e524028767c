"""Marketers and finance see customers masked on every endpoint: phones 138****5678, names 王**, addresses
cut to the district, no coordinates or notes, and phone numbers typed into free text masked."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hub.customers.masking import POLICIES, mask_address, mask_digits_in_text, policy_for
from hub.kernel.roles import SEES_FULL_PHONES, Role
from hub.notifications.tables import Notification
from tests.hub.crm.builders import World
from tests.hub.crm.users import user
from tests.hub.seed import SeededStore, order_body

NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
NAME = "王小明"
ADDRESS = "上海市黄浦区南京东路1号"
SECRETS = (
    "13812345678",  # the customer's phone
    "13700001111",  # in the order's delivery notes
    "13600002222",  # in the profile notes
    "13500003333",  # in the preferences
    "13400004444",  # in a status change's reason
    "15900005555",  # in a points adjustment's reason
    "15800006666",  # in a refund's reason
    "15700007777",  # in a gateway's error
    "15600008888",  # the member id is a phone number too
    NAME,
    "南京东路1号",
    "世纪大道100号",
)
UNMASKED_PHONE = re.compile(r"(?<![\w.])(?:\+?86)?1[3-9]\d{9}(?![\w.])")


@pytest.fixture
def seeded(client: TestClient, admin_headers: dict[str, str], store: SeededStore) -> dict[str, str]:
    customer = {"phone": "138 1234 5678", "name": NAME, "member_id": "15600008888"}
    delivery = {"address": ADDRESS, "lat": 31.2397, "lon": 121.4998, "notes": "到了打13700001111"}
    body = order_body(store.store_id, customer=customer, delivery=delivery)
    body["lines"][0]["note"] = "备注电话 137-0000-1111"
    order = client.post("/orders", json=body, headers=admin_headers).json()
    cid = order["customer_id"]
    client.patch(
        f"/customers/{cid}/profile",
        json={"notes": "老客, 备用 13600002222", "email": "xm@example.cn", "preferences": {"备用": "13500003333"}},
        headers=admin_headers,
    )
    client.post(
        f"/customers/{cid}/addresses",
        json={"address": "上海市浦东新区世纪大道100号", "notes": "前台", "lat": 31.23, "lon": 121.5},
        headers=admin_headers,
    )
    client.post(
        f"/orders/{order['id']}/status",
        json={"status": "accepted", "reason": "客户来电 134 0000 4444"},
        headers=admin_headers,
    )
    client.post(
        f"/customers/{cid}/points/adjustments",
        json={"delta": 5, "reason": "补偿, 联系15900005555", "key": "adj-1"},
        headers=admin_headers,
    )
    sent = client.post(
        f"/customers/{cid}/notifications",
        json={"template_id": "msg-winback", "channel": "sms", "key": "n1"},
        headers=admin_headers,
    )
    world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
    with world.db.session() as session:
        session.execute(
            update(NOTIFICATIONS)
            .where(NOTIFICATIONS.c.id == sent.json()["id"])
            .values(status="failed", last_error="gateway: 15700007777 is not reachable")
        )
        session.commit()
    return {"customer": cid, "order": order["id"]}


def _reads(client: TestClient, headers: dict[str, str], ids: dict[str, str]) -> dict[str, str]:
    cid, oid = ids["customer"], ids["order"]
    refund = client.post(
        f"/orders/{oid}/refunds", json={"key": "r1", "amount_fen": 100, "reason": "致电15800006666"}, headers=headers
    )
    pages = {
        "refund": refund,
        "customer": client.get(f"/customers/{cid}", headers=headers),
        "lookup": client.get("/customers/lookup", params={"phone": "13812345678"}, headers=headers),
        "360": client.get(f"/customers/{cid}/360", headers=headers),
        "search": client.get("/customers", params={"q": "5678"}, headers=headers),
        "order": client.get(f"/orders/{oid}", headers=headers),
        "orders": client.get("/orders", headers=headers),
        "events": client.get(f"/orders/{oid}/events", headers=headers),
        "points": client.get(f"/customers/{cid}/points", headers=headers),
        "notifications": client.get("/notifications", headers=headers),
    }
    return {name: r.text for name, r in pages.items() if r.status_code in (200, 201)}


@pytest.mark.parametrize("role", ["marketer", "finance"])
def test_roles_that_may_not_see_phones_see_nothing_personal(
    client: TestClient, admin_headers: dict[str, str], seeded: dict[str, str], role: str
) -> None:
    staff = user(client, admin_headers, role)
    pages = _reads(client, staff, seeded)
    expected = {"customer", "lookup", "360", "search", "order", "orders", "events", "points"}
    expected |= {"refund"} if role == "finance" else {"notifications"}
    assert set(pages) == expected
    for name, text in pages.items():
        assert not UNMASKED_PHONE.search(text), (name, text)
        for secret in SECRETS:
            assert secret not in text, (name, secret)

    view = client.get(f"/customers/{seeded['customer']}/360", headers=staff).json()
    assert view["display_name"] == "王**"
    assert {i["value"] for i in view["identities"]} == {"138****5678", "156****8888"}
    assert view["addresses"][0]["address"] == "上海市浦东新区****"
    assert (view["addresses"][0]["notes"], view["addresses"][0]["lat"], view["notes"]) == (None, None, None)
    assert view["email"] == "x***@example.cn"
    assert view["preferences"] == {"备用": "135****3333"}
    order = client.get(f"/orders/{seeded['order']}", headers=staff).json()
    assert order["delivery_address"] == "上海市黄浦区****"
    assert (order["notes"], order["delivery_lat"], order["lines"][0]["note"]) == (None, None, None)
    events = client.get(f"/orders/{seeded['order']}/events", headers=staff).json()
    reasons = {e["type"]: e["data"].get("reason") for e in events}
    assert reasons["order.status_changed"] == "客户来电 134****4444"
    assert events[0]["data"]["external_id"] == order["external_id"], "ids stay for reconciliation"


def test_roles_that_see_everything_still_do(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, seeded: dict[str, str]
) -> None:
    manager = user(client, admin_headers, "store_manager", [store.store_id])
    for headers in (admin_headers, manager):
        pages = _reads(client, headers, seeded)
        assert "13812345678" in pages["360"] and NAME in pages["360"] and "13600002222" in pages["360"]
        assert ADDRESS in pages["order"] and "13700001111" in pages["order"]


def test_free_text_and_addresses_are_masked_like_phones() -> None:
    assert mask_digits_in_text("到了打13812345678, 或 +86 139-1234-5678") == "到了打138****5678, 或 139****5678"
    assert mask_digits_in_text("座机 021-62345678") == "座机 021****5678"
    assert mask_digits_in_text("3号楼502室, 2份") == "3号楼502室, 2份", "short numbers are not phones"
    assert mask_digits_in_text("eta 2026-03-02T04:00:00+00:00") == "eta 2026-03-02T04:00:00+00:00", "nor dates"
    assert mask_address("上海市黄浦区南京东路1号") == "上海市黄浦区****"
    assert mask_address("北京市朝阳区建国路88号") == "北京市朝阳区****"
    assert mask_address("广州市天河路385号") == "广州市****"
    assert mask_address("南京东路1号") == "南京****"


def test_every_role_has_one_policy_agreeing_with_who_sees_phones() -> None:
    assert set(POLICIES) == set(Role)
    for role in Role:
        assert policy_for(role).full_phones == (role in SEES_FULL_PHONES), role
