"""What staff and channels type is refused at the REST boundary when it would do harm: control
characters (ESC p opens the cash drawer), blank identities (they merge strangers), lax numbers."""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic.types import Strict
from sqlalchemy import func, select
from sqlmodel import Session

from contracts.envelope import wrap
from contracts.store_orders import StoreOrder, StoreOrderLine
from hub.api_types import RequestModel
from hub.customers.identity import IdentityKey, IdentityKind
from hub.customers.tables import Customer
from hub.errors import InvalidInput
from hub.kernel.messaging import Messaging
from hub.marketing.rules import PARAMS
from hub.orders.store_orders import store_order_applier
from hub.outbox.tables import OutboxMessage
from tests.hub.seed import SeededStore, order_body

DRAWER = "开钱箱\x1bp\x00\x19\x19"
"""ESC p 0 25 25: the pulse that opens a cash drawer."""


def _customers(client: TestClient) -> int:
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())


def _written(client: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    """(orders, outbox rows) so far."""
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        outbox = int(session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one())
    return len(client.get("/orders", headers=headers).json()), outbox


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"], response.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": [{"sku": "KB", "quantity": 1, "modifiers": ["少辣", DRAWER]}]}, "body.lines.0.modifiers"),
        ({"lines": [{"sku": "KB", "quantity": 1, "note": "多放葱\x10\x04\x01"}]}, "body.lines.0.note"),
        ({"order_number": "A\x1b@12"}, "body.order_number"),
        ({"notes": "放门口\x1bp\x00"}, "body.notes"),
        ({"notes": "C1 \x9b2J"}, "body.notes"),
        ({"notes": "DEL \x7f"}, "body.notes"),
        ({"customer": {"phone": "13812345678", "name": "王\x1b小明"}}, "body.customer.name"),
        ({"delivery": {"address": "南京东路1号\x1bi"}}, "body.delivery.address"),
        ({"external_id": "mt-\x00-1"}, "body.external_id"),
    ],
)
def test_control_characters_in_an_order_are_refused_and_nothing_is_written(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, changes: dict[str, Any], field: str
) -> None:
    before = _written(client, admin_headers)
    r = client.post("/orders", json=order_body(store.store_id, **changes), headers=admin_headers)
    _refused(r, field)
    assert "control character" in r.json()["detail"]
    assert _written(client, admin_headers) == before


def test_line_breaks_stay_allowed_where_text_has_lines(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    body = order_body(store.store_id, notes="堂食\n3号桌\r\n不要香菜")
    body["lines"][0]["note"] = "少辣\n少盐"
    r = client.post("/orders", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json()["notes"].startswith("堂食\n3号桌\r\n不要香菜")
    one_line = client.post(
        "/orders", json=order_body(store.store_id, order_number="A\n12"), headers=admin_headers
    )  # a number is one line
    _refused(one_line, "body.order_number")


def test_control_characters_are_refused_in_the_other_things_staff_type(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    sid = store.store_id
    cases = [
        (
            "post",
            f"/stores/{sid}/menu-items",
            {"sku": "GB", "name": DRAWER, "price_fen": 100, "station_codes": ["wok"]},
        ),
        ("patch", f"/stores/{sid}/menu-items/KB", {"allergens": ["花生\x1b"]}),
        ("post", f"/stores/{sid}/stations", {"code": "bar", "name": "吧台\x07"}),
        ("post", "/customers", {"phone": "13812345678", "name": "李\x1b四"}),
        (
            "post",
            "/coupon-templates",
            {"id": "c1", "name": "满50减10\x1b", "kind": "amount_off", "amount_off_fen": 1000, "valid_days": 7},
        ),
        ("post", "/message-templates", {"id": "t1", "name": "短信", "body": "您好\x1b[31m"}),
    ]
    for method, path, body in cases:
        r = client.request(method, path, json=body, headers=admin_headers)
        _refused(r, "body.")
        assert "control character" in r.json()["detail"], (path, r.json())
    assert _customers(client) == 0
    customer = _customer(client, admin_headers)
    _refused(client.put(f"/customers/{customer}/tags/VIP%1B%5B5m", headers=admin_headers), "path.tag")
    assert client.put(f"/customers/{customer}/tags/VIP", headers=admin_headers).status_code == 204


@pytest.mark.parametrize(
    "customer",
    [
        {"member_id": "   "},
        {"member_id": ""},
        {"phone": "  ", "member_id": "M-1"},
        {"device_id": "\u3000 "},
        {"platform": "meituan", "platform_user_id": " "},
    ],
)
def test_two_orders_with_a_blank_identity_are_refused_not_merged(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore, customer: dict[str, str]
) -> None:
    field = next(k for k, v in customer.items() if not v.strip())
    for phone in ("13812345678", "13987654321"):  # two different people
        r = client.post(
            "/orders", json=order_body(store.store_id, customer={**customer, "name": phone}), headers=admin_headers
        )
        _refused(r, f"body.customer.{field}")
        assert "must not be blank" in r.json()["detail"]
    assert _customers(client) == 0
    assert client.get("/orders", headers=admin_headers).json() == []


def test_the_customers_endpoints_refuse_blank_identities(client: TestClient, admin_headers: dict[str, str]) -> None:
    _refused(client.post("/customers", json={"member_id": "  ", "name": "王"}, headers=admin_headers), "member_id")
    _refused(client.get("/customers/lookup", params={"member_id": "   "}, headers=admin_headers), "member_id")
    created = client.post("/customers", json={"phone": "13812345678"}, headers=admin_headers)
    assert created.status_code == 201, created.text
    r = client.post(
        f"/customers/{created.json()['id']}/identities",
        json={"kind": "member_id", "value": "   "},
        headers=admin_headers,
    )
    _refused(r, "body.value")
    identities = client.get(f"/customers/{created.json()['id']}", headers=admin_headers).json()["identities"]
    assert [i["kind"] for i in identities] == ["phone"]


def test_no_code_path_makes_a_blank_identity() -> None:
    with pytest.raises(InvalidInput, match="must not be blank"):
        IdentityKey(IdentityKind.MEMBER_ID, "", "   ")


def test_a_store_order_with_a_blank_phone_is_refused(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    apply = store_order_applier(Messaging(root="brigade", source="hub"))
    body = StoreOrder(
        order_id=str(uuid.uuid4()),
        store_id=store.store_id,
        local_order_id="1001",
        order_number="P1",
        placed_at=client.app.state.ctx.clock(),  # type: ignore[attr-defined]
        lines=(StoreOrderLine(menu_item_id="KB", quantity=1),),
        customer_phone="   ",
    )
    with Session(client.app.state.ctx.db.engine) as session, pytest.raises(InvalidInput) as refused:  # type: ignore[attr-defined]
        apply(session, wrap(body, source="edge-1"), {"store_id": store.store_id})
    assert "customer_phone" in refused.value.detail and "must not be blank" in refused.value.detail
    assert _customers(client) == 0


def _customer(client: TestClient, headers: dict[str, str]) -> str:
    r = client.post("/customers", json={"phone": "13812345678", "name": "王小明"}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def test_numbers_and_flags_must_have_their_json_type(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    sid = store.store_id
    order = client.post("/orders", json=order_body(sid, fulfilment="pickup"), headers=admin_headers).json()
    customer = _customer(client, admin_headers)
    coupon = {"id": "c-strict", "name": "满50减10", "kind": "amount_off", "valid_days": 7}
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("post", "/orders", order_body(sid, lines=[{"sku": "KB", "quantity": True}]), "body.lines.0.quantity"),
        ("post", "/orders", order_body(sid, lines=[{"sku": "KB", "quantity": "2"}]), "body.lines.0.quantity"),
        ("post", "/orders", order_body(sid, lines=[{"sku": "KB", "quantity": 2.0}]), "body.lines.0.quantity"),
        ("post", "/orders", order_body(sid, delivery_fee_fen="100"), "body.delivery_fee_fen"),
        ("post", "/orders", order_body(sid, delivery={"address": "上海", "lat": "31.2", "lon": 121.5}), "lat"),
        ("post", f"/orders/{order['id']}/refunds", {"key": "r1", "amount_fen": "100", "reason": "x"}, "amount_fen"),
        ("post", f"/orders/{order['id']}/refunds", {"key": "r1", "amount_fen": True, "reason": "x"}, "amount_fen"),
        ("patch", f"/stores/{sid}/menu-items/KB", {"active": 0}, "body.active"),
        ("patch", f"/stores/{sid}/menu-items/KB", {"active": "false"}, "body.active"),
        ("patch", f"/stores/{sid}/menu-items/KB", {"price_fen": "100"}, "body.price_fen"),
        ("post", f"/customers/{customer}/points/adjustments", {"delta": True, "reason": "x", "key": "k1"}, "delta"),
        ("post", f"/customers/{customer}/points/adjustments", {"delta": "100", "reason": "x", "key": "k1"}, "delta"),
        ("post", "/coupon-templates", {**coupon, "amount_off_fen": "1000"}, "body.amount_off_fen"),
        ("post", "/coupon-templates", {**coupon, "amount_off_fen": 1000, "valid_days": True}, "body.valid_days"),
        ("patch", "/coupon-templates/c-ok", {"active": 0}, "body.active"),
    ]
    made = client.post(
        "/coupon-templates", json={**coupon, "id": "c-ok", "amount_off_fen": 1000}, headers=admin_headers
    )
    assert made.status_code == 201, made.text
    for method, path, body, field in cases:
        _refused(client.request(method, path, json=body, headers=admin_headers), field)

    # ... while ISO times, enum values and integers for floats are still taken.
    client.app.state.ctx.clock = lambda: datetime(2026, 12, 2, 2, 30, tzinfo=UTC)  # type: ignore[attr-defined]
    ok = order_body(sid, fulfilment="pickup", placed_at="2026-12-02T10:30:00+08:00")
    ok["delivery"] = {"address": "上海", "lat": 31, "lon": 121}
    placed = client.post("/orders", json=ok, headers=admin_headers)
    assert placed.status_code == 201, placed.text
    assert (placed.json()["placed_at"], placed.json()["fulfilment"]) == ("2026-12-02T02:30:00Z", "pickup")
    moved = client.post(f"/orders/{order['id']}/status", json={"status": "accepted"}, headers=admin_headers)
    assert moved.status_code == 200, moved.text
    patched = client.patch(
        "/coupon-templates/c-ok",
        json={"active": False, "valid_until": "2099-01-01T00:00:00+08:00"},
        headers=admin_headers,
    )
    assert patched.status_code == 200, patched.text
    assert client.patch(f"/stores/{sid}/menu-items/KB", json={"active": True}, headers=admin_headers).status_code == 200


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models(arg)]


def _lax_numbers(annotation: Any, strict: bool = False) -> bool:
    """True if somewhere in the annotation an int, bool or float is validated laxly."""
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        return _lax_numbers(base, strict or any(isinstance(m, Strict) and m.strict for m in meta))
    if annotation in (int, bool, float):
        return not strict
    if get_origin(annotation) in (Union, types.UnionType, list, tuple, dict, set, frozenset, typing.Literal):
        return get_origin(annotation) is not typing.Literal and any(_lax_numbers(a) for a in get_args(annotation))
    return False


def _request_models(client: TestClient) -> set[type[BaseModel]]:
    def routes(items: Any) -> Any:
        for item in items:
            if hasattr(item, "original_router"):
                yield from routes(item.original_router.routes)
            elif isinstance(item, APIRoute):
                yield item

    found: set[type[BaseModel]] = set(PARAMS.values())  # a rule's params, validated from its dict
    todo = [
        m for r in routes(client.app.routes) for p in r.dependant.body_params for m in _models(p.field_info.annotation)
    ]
    while todo:
        model = todo.pop()
        if model not in found:
            found.add(model)
            todo += [m for f in model.model_fields.values() for m in _models(f.annotation)]
    return found


def test_every_request_model_refuses_control_characters_and_lax_numbers(client: TestClient) -> None:
    models = _request_models(client)
    assert len(models) > 30
    assert sorted(m.__name__ for m in models if not issubclass(m, RequestModel)) == []
    lax = sorted(
        f"{m.__name__}.{name}"
        for m in models
        for name, f in m.model_fields.items()
        if _lax_numbers(f.annotation) and not any(isinstance(x, Strict) and x.strict for x in f.metadata)
    )
    assert lax == []
