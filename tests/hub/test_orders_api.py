"""Placing and moving orders over REST, on SQLite."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from contracts.envelope import decode
from contracts.kitchen import KitchenTicket
from hub.kernel.geo import haversine_m, wgs84_to_gcj02
from hub.outbox.tables import OutboxMessage
from tests.hub.seed import SeededStore, order_body


def _outbox(client: TestClient) -> list[OutboxMessage]:
    """The kitchen tickets queued so far (menu updates also go through the outbox)."""
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()  # type: ignore[arg-type]
        return [row for row in rows if "/kitchen/" in row.topic]


def test_order_is_priced_from_the_menu_and_ticketed_per_station(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    r = client.post("/orders", json=order_body(store.store_id, delivery_fee_fen=500), headers=admin_headers)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "received"
    assert [(line["name"], line["quantity"], line["total_fen"]) for line in order["lines"]] == [
        ("宫保鸡丁", 2, 7600),
        ("羊肉串", 10, 6000),
    ]
    assert (order["subtotal_fen"], order["total_fen"]) == (13600, 14100)
    assert order["customer_id"]
    assert "放门口保温箱" in order["notes"]

    tickets = [decode(m.payload, KitchenTicket).body for m in _outbox(client)]
    assert sorted(t.station_id for t in tickets) == ["grill", "wok"]
    wok = next(t for t in tickets if t.station_id == "wok")
    assert [(line.name, line.quantity, line.modifiers, line.allergens) for line in wok.lines] == [
        ("宫保鸡丁", 2, ("少辣",), ("花生",))
    ]
    assert wok.customer_display == "王**"
    assert wok.order_number == order["order_number"]

    events = client.get(f"/orders/{order['id']}/events", headers=admin_headers).json()
    assert [e["type"] for e in events] == ["order.placed"]


def test_same_idempotency_key_returns_the_first_order(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    body = order_body(store.store_id, external_id="meituan-778899")
    first = client.post("/orders", json=body, headers=admin_headers)
    second = client.post("/orders", json=body, headers=admin_headers)
    changed = client.post("/orders", json=dict(body, lines=[{"sku": "NM", "quantity": 1}]), headers=admin_headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["lines"] == first.json()["lines"]
    assert changed.status_code == 422  # the same key with another request is never a silent replay
    assert "idempotency key reused with another request" in changed.json()["detail"]
    assert len(_outbox(client)) == 2  # the tickets of the first order only
    listed = client.get("/orders", params={"store_id": store.store_id}, headers=admin_headers).json()
    assert len(listed) == 1


def test_bad_orders_get_problem_json_and_write_nothing(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    cases = [
        (order_body(store.store_id, lines=[{"sku": "NOPE", "quantity": 1}]), 422, "not on this store's menu"),
        (order_body(store.store_id, delivery=None), 422, "needs a delivery address"),
        (order_body(store.store_id, lines=[{"sku": "KB", "quantity": 0}]), 422, "lines.0.quantity"),
        (order_body(store.store_id, customer={"phone": "12"}), 422, "phone"),
        (order_body("no-such-store"), 404, "no store"),
    ]
    for body, status, detail in cases:
        r = client.post("/orders", json=body, headers=admin_headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert detail in r.json()["detail"]
    assert _outbox(client) == []
    assert client.get("/orders", headers=admin_headers).json() == []


def test_status_changes_follow_the_state_machine(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    order_id = client.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()["id"]
    for status in ("accepted", "cooking", "ready", "assigned", "picked_up", "delivered"):
        r = client.post(f"/orders/{order_id}/status", json={"status": status}, headers=admin_headers)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    r = client.post(f"/orders/{order_id}/status", json={"status": "cooking"}, headers=admin_headers)
    assert r.status_code == 409
    assert r.json()["code"] == "order.invalid_transition"
    events = client.get(f"/orders/{order_id}/events", headers=admin_headers).json()
    assert [e["data"].get("to") for e in events[1:]] == [
        "accepted",
        "cooking",
        "ready",
        "assigned",
        "picked_up",
        "delivered",
    ]
    times = [e["at"] for e in events]
    assert times == sorted(times)


def test_cancel_sends_cancel_tickets_to_every_station(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    order_id = client.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()["id"]
    r = client.post(
        f"/orders/{order_id}/status", json={"status": "cancelled", "reason": "customer called"}, headers=admin_headers
    )
    assert r.status_code == 200
    tickets = [decode(m.payload, KitchenTicket).body for m in _outbox(client)]
    cancels = [t for t in tickets if t.cancelled]
    assert sorted(t.station_id for t in cancels) == ["grill", "wok"]
    assert {t.revision for t in cancels} == {2}


def test_gcj02_coordinates_are_stored_as_wgs84(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    body = order_body(store.store_id)
    body["delivery"] = {"address": "上海", "lat": 31.2376, "lon": 121.5045, "coord_system": "gcj02"}
    order = client.post("/orders", json=body, headers=admin_headers).json()
    stored = (order["delivery_lat"], order["delivery_lon"])
    # The stored point is the WGS-84 point whose GCJ-02 image is what the channel sent ...
    back = wgs84_to_gcj02(*stored)
    assert back == pytest.approx((31.2376, 121.5045), abs=1e-7)
    # ... which in Shanghai lies a few hundred metres from it.
    assert 300 < haversine_m(31.2376, 121.5045, *stored) < 1400


def test_changing_lines_sends_change_tickets_to_the_stations_concerned(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    order = client.post("/orders", json=order_body(store.store_id), headers=admin_headers).json()
    first = {t.station_id: t for t in (decode(m.payload, KitchenTicket).body for m in _outbox(client))}
    kept = [{"sku": "KB", "quantity": 2, "modifiers": ["少辣"]}]
    r = client.put(
        f"/orders/{order['id']}/lines",
        headers=admin_headers,
        json={"lines": [*kept, {"sku": "CH", "quantity": 6}, {"sku": "NM", "quantity": 1}]},
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["revision"] == 2
    assert changed["subtotal_fen"] == 7600 + 6 * 600 + 1500
    assert [(line["sku"], line["quantity"], line["cancelled"]) for line in changed["lines"]] == [
        ("KB", 2, False),
        ("CH", 10, True),
        ("CH", 6, False),
        ("NM", 1, False),
    ]
    second = [decode(m.payload, KitchenTicket).body for m in _outbox(client)][2:]
    assert sorted((t.station_id, t.revision) for t in second) == [("drinks", 2), ("grill", 2)]  # wok untouched
    grill = next(t for t in second if t.station_id == "grill")
    assert [(line.name, line.quantity) for line in grill.lines] == [("羊肉串", 6)]
    assert grill.lines[0].line_id != first["grill"].lines[0].line_id

    r = client.put(f"/orders/{order['id']}/lines", json={"lines": kept}, headers=admin_headers)
    assert r.status_code == 200
    third = [decode(m.payload, KitchenTicket).body for m in _outbox(client)][4:]
    assert sorted((t.station_id, t.cancelled) for t in third) == [("drinks", True), ("grill", True)]
    assert [line.name for line in next(t for t in third if t.station_id == "drinks").lines] == ["珍珠奶茶"]
    events = [e["type"] for e in client.get(f"/orders/{order['id']}/events", headers=admin_headers).json()]
    assert events.count("order.lines_changed") == 2

    client.post(f"/orders/{order['id']}/status", json={"status": "ready"}, headers=admin_headers)
    late = client.put(f"/orders/{order['id']}/lines", json={"lines": kept}, headers=admin_headers)
    assert late.status_code == 409
