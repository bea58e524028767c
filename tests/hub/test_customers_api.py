"""One customer across phone, member id, device id and platform ids; merge keeps history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.hub.seed import SeededStore, order_body


def test_orders_from_many_channels_find_the_same_customer(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    a = client.post(
        "/orders", json=order_body(store.store_id, customer={"phone": "13812345678"}), headers=admin_headers
    ).json()
    b = client.post(
        "/orders",
        json=order_body(
            store.store_id, customer={"phone": "+86 138-1234-5678", "platform": "meituan", "platform_user_id": "mt-42"}
        ),
        headers=admin_headers,
    ).json()
    c = client.post(
        "/orders",
        json=order_body(store.store_id, customer={"platform": "meituan", "platform_user_id": "mt-42"}),
        headers=admin_headers,
    ).json()
    assert a["customer_id"] == b["customer_id"] == c["customer_id"]
    for params in ({"phone": "138 1234 5678"}, {"platform": "meituan", "platform_user_id": "mt-42"}):
        found = client.get("/customers/lookup", params=params, headers=admin_headers)
        assert found.status_code == 200
        assert found.json()["id"] == a["customer_id"]
    assert client.get("/customers/lookup", params={"member_id": "nobody"}, headers=admin_headers).status_code == 404
    assert client.get("/customers/lookup", headers=admin_headers).status_code == 422


def test_merge_moves_identities_and_orders(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    phone_order = client.post(
        "/orders", json=order_body(store.store_id, customer={"phone": "13900002222"}), headers=admin_headers
    ).json()
    member_order = client.post(
        "/orders", json=order_body(store.store_id, customer={"member_id": "M-0007"}), headers=admin_headers
    ).json()
    target, source = phone_order["customer_id"], member_order["customer_id"]
    assert target != source

    conflict = client.post(
        f"/customers/{target}/identities", json={"kind": "member_id", "value": "M-0007"}, headers=admin_headers
    )
    assert conflict.status_code == 409
    assert "merge" in conflict.json()["detail"]

    merged = client.post(f"/customers/{target}/merge", json={"source_customer_id": source}, headers=admin_headers)
    assert merged.status_code == 200
    kinds = sorted((i["kind"], i["value"]) for i in merged.json()["identities"])
    assert kinds == [("member_id", "M-0007"), ("phone", "+8613900002222")]
    assert client.get(f"/orders/{member_order['id']}", headers=admin_headers).json()["customer_id"] == target
    assert client.get(f"/customers/{source}", headers=admin_headers).json()["merged_into_id"] == target
    found = client.get("/customers/lookup", params={"member_id": "M-0007"}, headers=admin_headers).json()
    assert found["id"] == target
    again = client.post(f"/customers/{target}/merge", json={"source_customer_id": source}, headers=admin_headers)
    assert again.status_code == 409


def test_creating_a_known_customer_returns_them(client: TestClient, admin_headers: dict[str, str]) -> None:
    first = client.post("/customers", json={"phone": "13700001234", "name": "李雷"}, headers=admin_headers)
    second = client.post("/customers", json={"phone": "137 0000 1234"}, headers=admin_headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
