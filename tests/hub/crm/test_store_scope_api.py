"""A store manager sees their stores' customers, and of a customer shared with another store only their
stores' history: orders, figures, coupons redeemed and points earned there. Nothing of another store's
records comes back from the upsert, and no 404 names another store's objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.hub.crm.builders import World
from tests.hub.crm.users import user
from tests.hub.seed import SeededStore, order_body, seed_store

SHARED_PHONE = "+8613911112222"
B_PHONE = "+8613933334444"


@dataclass
class TwoStores:
    a: SeededStore
    b: SeededStore
    manager_a: dict[str, str]
    shared: str
    """Ordered once in A and twice in B, with a coupon redeemed in B."""
    a_orders: list[str]
    b_orders: list[str]
    b_only: str
    """Ordered in B only."""
    b_coupon: str
    world: World


def _order(client: TestClient, headers: dict[str, str], store: str, customer: dict[str, Any], **extra: Any) -> str:
    r = client.post("/orders", json=order_body(store, customer=customer, **extra), headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture
def two(client: TestClient, admin_headers: dict[str, str], store: SeededStore) -> TwoStores:
    other = seed_store(client, admin_headers)
    world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
    shared = {"phone": SHARED_PHONE, "name": "张共享"}
    a_orders = [_order(client, admin_headers, store.store_id, shared)]
    b_orders = [_order(client, admin_headers, other.store_id, shared)]
    shared_id = client.get("/customers/lookup", params={"phone": SHARED_PHONE}, headers=admin_headers).json()["id"]
    r = client.post(
        "/coupon-templates",
        json={"id": "scope-5off", "name": "五元券", "kind": "amount_off", "amount_off_fen": 500, "valid_days": 30},
        headers=admin_headers,
    )
    assert r.status_code == 201, r.text
    grant = client.post(
        "/coupon-templates/scope-5off/grants", json={"customer_id": shared_id, "key": "g1"}, headers=admin_headers
    )
    code = grant.json()["code"]
    b_orders.append(_order(client, admin_headers, other.store_id, shared, coupon_code=code))
    _order(client, admin_headers, other.store_id, {"phone": B_PHONE, "name": "李只在B", "member_id": "B-MEMBER-1"})
    b_only = client.get("/customers/lookup", params={"phone": B_PHONE}, headers=admin_headers).json()["id"]
    world.feed()
    world.recompute()
    manager_a = user(client, admin_headers, "store_manager", [store.store_id])
    return TwoStores(store, other, manager_a, shared_id, a_orders, b_orders, b_only, code, world)


def test_a_shared_customer_shows_each_manager_only_their_stores_history(
    client: TestClient, admin_headers: dict[str, str], two: TwoStores
) -> None:
    full = client.get(f"/customers/{two.shared}/360", headers=admin_headers).json()
    assert full["stats"]["orders_count"] == 3 and full["rfm"]["r"] is not None

    view = client.get(f"/customers/{two.shared}/360", headers=two.manager_a).json()
    assert [o["id"] for o in view["recent_orders"]] == two.a_orders
    assert view["stats"]["orders_count"] == 1
    assert view["stats"]["spend_fen"] == full["recent_orders"][-1]["total_fen"]
    assert view["rfm"] == {"r": None, "f": None, "m": None, "scored_at": None}, "RFM is every store's"
    assert view["stats"]["predicted_next_at"] is None
    assert (view["tier"]["window_spend_fen"], view["tier"]["to_next_fen"]) == (None, None)
    assert view["points_balance"] == full["points_balance"], "points are spent in any store"

    points = client.get(f"/customers/{two.shared}/points", headers=two.manager_a).json()
    assert {e["order_id"] for e in points["entries"]} == set(two.a_orders)
    coupons = client.get(f"/customers/{two.shared}/coupons", headers=two.manager_a).json()
    assert coupons == [], "the coupon was redeemed in store B"
    assert client.get(f"/coupons/{two.b_coupon}", headers=two.manager_a).status_code == 404

    found = client.get("/customers", params={"q": SHARED_PHONE}, headers=two.manager_a).json()
    assert [(c["id"], c["orders_count"]) for c in found] == [(two.shared, 1)]
    assert client.get(f"/customers/{two.shared}", headers=two.manager_a).json()["home_store_id"] == two.a.store_id


def test_the_overview_counts_only_the_managers_customers(
    client: TestClient, admin_headers: dict[str, str], two: TwoStores
) -> None:
    chain = client.get("/crm/overview", headers=admin_headers).json()
    mine = client.get("/crm/overview", headers=two.manager_a).json()
    assert chain["customers"] == 2
    assert mine["customers"] == 1 and sum(mine["segments"].values()) == 1 and sum(mine["tiers"].values()) <= 1


def test_upserting_another_stores_customer_returns_only_what_the_manager_sent(
    client: TestClient, admin_headers: dict[str, str], two: TwoStores
) -> None:
    r = client.post("/customers", json={"phone": "139 3333 4444", "name": "李先生"}, headers=two.manager_a)
    assert r.status_code == 200, r.text
    served = r.json()
    assert served["id"] == two.b_only
    assert served["identities"] == [{"kind": "phone", "namespace": "", "value": B_PHONE}], "not B's member id"
    assert (served["display_name"], served["home_store_id"], served["merged_into_id"]) == ("李先生", None, None)
    assert "李只在B" not in r.text and two.b.store_id not in r.text
    assert client.get(f"/customers/{two.b_only}", headers=two.manager_a).status_code == 404
    assert client.get(f"/customers/{two.b_only}/360", headers=two.manager_a).status_code == 404

    mine = _order(client, two.manager_a, two.a.store_id, {"phone": B_PHONE})
    view = client.get(f"/customers/{two.b_only}/360", headers=two.manager_a).json()
    assert [o["id"] for o in view["recent_orders"]] == [mine], "their history starts with them"
    assert view["home_store_id"] is None, "the home store is store B's"


def test_a_store_managers_new_customer_belongs_to_their_store(
    client: TestClient, admin_headers: dict[str, str], two: TwoStores
) -> None:
    r = client.post("/customers", json={"phone": "13955556666", "name": "新客"}, headers=two.manager_a)
    assert r.status_code == 201, r.text
    assert r.json()["home_store_id"] == two.a.store_id
    assert client.get(f"/customers/{r.json()['id']}/360", headers=two.manager_a).status_code == 200


def test_not_found_never_names_another_stores_objects(
    client: TestClient, admin_headers: dict[str, str], two: TwoStores
) -> None:
    lookup = client.get("/customers/lookup", params={"phone": B_PHONE}, headers=two.manager_a)
    coupon = client.get(f"/coupons/{two.b_coupon}", headers=two.manager_a)
    for r in (lookup, coupon):
        assert r.status_code == 404
        assert two.b_only not in r.text and two.shared not in r.text, r.text
