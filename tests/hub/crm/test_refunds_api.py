"""Refunds over REST: whole or in part, once per key, never more than was paid; points follow."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.hub.crm.builders import World
from tests.hub.crm.users import user
from tests.hub.seed import SeededStore, order_body, seed_store

SUBTOTAL = 13_600  # the seeded order: 2 x 宫保鸡丁 38.00 + 10 x 羊肉串 6.00, 136 points


@pytest.fixture
def world(client: TestClient) -> World:
    return World(client.app.state.ctx.db)  # type: ignore[attr-defined]


def _order(client: TestClient, headers: dict[str, str], store_id: str, phone: str) -> dict[str, Any]:
    r = client.post("/orders", json=order_body(store_id, customer={"phone": phone}), headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _refund(client: TestClient, headers: dict[str, str], order_id: str, key: str, amount_fen: int) -> Any:
    body = {"key": key, "amount_fen": amount_fen, "reason": "菜品撒了"}
    return client.post(f"/orders/{order_id}/refunds", json=body, headers=headers)


def _balance(client: TestClient, headers: dict[str, str], customer_id: str) -> int:
    points = client.get(f"/customers/{customer_id}/points", headers=headers).json()
    assert points["balance"] == sum(e["delta"] for e in points["entries"])
    return int(points["balance"])


def test_a_refund_takes_back_the_points_of_its_share_once_per_key(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, world: World
) -> None:
    order = _order(client, admin_headers, store.store_id, "13812349001")
    world.feed()
    customer = order["customer_id"]
    assert _balance(client, admin_headers, customer) == SUBTOTAL // 100

    finance = user(client, admin_headers, "finance")
    half = _refund(client, finance, order["id"], "pay-001", SUBTOTAL // 2)
    assert half.status_code == 201, half.text
    assert (half.json()["amount_fen"], half.json()["refunded_total_fen"]) == (SUBTOTAL // 2, SUBTOTAL // 2)
    again = _refund(client, finance, order["id"], "pay-001", SUBTOTAL // 2)
    assert again.status_code == 200 and again.json()["refunded_total_fen"] == SUBTOTAL // 2, "one refund per key"
    world.feed()
    assert _balance(client, admin_headers, customer) == SUBTOTAL // 100 - SUBTOTAL // 200

    too_much = _refund(client, finance, order["id"], "pay-002", SUBTOTAL // 2 + 1)
    assert too_much.status_code == 409 and f"only {SUBTOTAL // 2} fen" in too_much.json()["detail"]
    rest = _refund(client, finance, order["id"], "pay-002", SUBTOTAL // 2)
    assert rest.status_code == 201 and rest.json()["refunded_total_fen"] == SUBTOTAL
    world.feed()
    assert _balance(client, admin_headers, customer) == 0

    history = client.get(f"/orders/{order['id']}/events", headers=admin_headers).json()
    assert [e["data"]["key"] for e in history if e["type"] == "order.refunded"] == ["pay-001", "pay-002"]
    assert client.get(f"/orders/{order['id']}", headers=admin_headers).json()["status"] == "received", (
        "a refund does not move the order"
    )


def test_refunds_that_cannot_be_are_refused_with_a_reason(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    order = _order(client, admin_headers, store.store_id, "13812349002")
    assert _refund(client, admin_headers, order["id"], "r-1", 1000).status_code == 201
    changed = _refund(client, admin_headers, order["id"], "r-1", 2000)
    assert changed.status_code == 422 and "was 1000 fen" in changed.json()["detail"]
    assert _refund(client, admin_headers, order["id"], "r-2", 0).status_code == 422

    marketer = user(client, admin_headers, "marketer")
    assert _refund(client, marketer, order["id"], "r-3", 100).status_code == 403
    other = seed_store(client, admin_headers)
    elsewhere = user(client, admin_headers, "store_manager", stores=[other.store_id])
    assert _refund(client, elsewhere, order["id"], "r-3", 100).status_code == 404

    cancelled = _order(client, admin_headers, store.store_id, "13812349003")
    client.post(f"/orders/{cancelled['id']}/status", json={"status": "cancelled"}, headers=admin_headers)
    refused = _refund(client, admin_headers, cancelled["id"], "r-4", 100)
    assert refused.status_code == 409 and "not paid" in refused.json()["detail"]
