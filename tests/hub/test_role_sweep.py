"""The role sweep: every operation of the API, for every role, on store A's and on store B's objects.

Roles: admin, operator, a store manager of store A, marketer, finance, a channel's API key of store A
and store A's edge device. For each call: never a 5xx; a role without the permission gets 403; a role
scoped to store A asking for store B's object gets 404, and nothing of store B (ids, phones, names,
addresses) is ever in what a store-A role gets back; marketer and finance never see an unmasked phone,
a full name or a full address. One seeded hub (SQLite) for the whole module.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hub.app import create_app
from hub.notifications.signing import unsubscribe_token
from hub.notifications.tables import Notification
from tests.databases import sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.crm.builders import World
from tests.hub.delivery.helpers import STORE, put_rider_at
from tests.hub.role_sweep_ops import OPS, Call, fresh_id
from tests.hub.seed import ADMIN_PASSWORD, login, make_admin, order_body, seed_store

ROLES = ("admin", "operator", "store_manager", "marketer", "finance", "channel", "device")
SCOPED = frozenset({"store_manager", "channel", "device"})
"""Roles that belong to store A."""
MASKED = frozenset({"marketer", "finance"})
UNMASKED_PHONE = re.compile(r"(?<![\w.])(?:\+?86)?1[3-9]\d{9}(?![\w.])")
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
PASSWORD = "long-enough-pw"


@dataclass
class Side:
    store: str
    customer: str
    phone: str
    order: str
    channel_order: str
    rider: str
    coupon: str
    address: str
    address_id: int
    notification: int


class Sweep:
    """A hub with two stores and their customers, orders, riders and coupons, and a signed-in caller per role."""

    def __init__(self, client: TestClient, url: str, admin_name: str) -> None:
        self.client = client
        self.url = url
        self.admin_name = admin_name
        self.admin_password = ADMIN_PASSWORD
        self.admin = login(client, admin_name)
        self.world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
        self.secret = client.app.state.ctx.secret  # type: ignore[attr-defined]
        self.secrets_b: set[str] = set()
        self.people: set[str] = set()
        """Every seeded customer's name, phone and street address: what marketer and finance may not see."""
        self.phones = iter(range(10_000_000, 99_999_999, 7919))
        self.numbers = iter(range(1, 1_000_000))
        self.sides: dict[str, Side] = {}
        self.headers: dict[str, dict[str, str]] = {}

    # --- seeding ---------------------------------------------------------------------------------------

    def seed(self) -> None:
        stores = {
            side: seed_store(self.client, self.admin, f"s{side}-{uuid.uuid4().hex[:6]}").store_id for side in "ab"
        }
        self.stores = stores
        self.secrets_b.add(stores["b"])
        self.coupon_template = "sweep-5off"
        self.as_admin(
            "POST",
            "/coupon-templates",
            json={
                "id": self.coupon_template,
                "name": "五元券",
                "kind": "amount_off",
                "amount_off_fen": 500,
                "valid_days": 30,
            },
        )
        self.reward_template = "sweep-reward"
        self.as_admin(
            "POST",
            "/coupon-templates",
            json={
                "id": self.reward_template,
                "name": "积分换券",
                "kind": "amount_off",
                "amount_off_fen": 100,
                "valid_days": 30,
                "points_cost": 5,
            },
        )
        self.message_template = "sweep-hello"
        self.as_admin("POST", "/message-templates", json={"id": self.message_template, "name": "问候", "body": "您好"})
        self.rule = "sweep-winback"
        self.as_admin(
            "POST",
            "/rules",
            json={
                "id": self.rule,
                "name": "召回",
                "trigger": "winback",
                "coupon_template_id": self.coupon_template,
                "audience": {"min_orders": 100_000},
                "enabled": True,
            },
        )
        keys = {
            side: self.as_admin(
                "POST", "/api-keys", json={"name": "美团", "channel": "meituan", "store_ids": [stores[side]]}
            ).json()["key"]
            for side in "ab"
        }
        device = self.as_admin(
            "POST", "/devices", json={"device_id": fresh_id("edge"), "kind": "edge_agent", "store_id": stores["a"]}
        ).json()
        self.device_login = {"device_id": device["id"], "secret": device["secret"]}
        token = self.client.post("/auth/device-token", json=self.device_login).json()["access_token"]
        self.spare_key_id = self.new_api_key()
        self.spare_device_id = self.new_device()
        self.user_password = PASSWORD
        self.spare_user_id = self.new_user("marketer")[0]

        shared_phone = self.phone()
        self.people |= {"张共享"}
        a_order = self.place("a", shared_phone, name="张共享")
        a_channel = self.place("a", shared_phone, headers={"X-API-Key": keys["a"]})
        self.place("b", shared_phone)  # the shared customer's history in store B
        shared = a_order["customer_id"]
        used = self.grant(shared)
        self.place("b", shared_phone, coupon_code=used)  # redeemed in store B
        self.secrets_b.add(used)
        b_phone = self.phone()
        self.people |= {"李只在B"}
        b_order = self.place("b", b_phone, name="李只在B")
        b_channel = self.place("b", b_phone, headers={"X-API-Key": keys["b"]})
        self.secrets_b |= {b_order["customer_id"], b_phone, b_phone[3:], "李只在B"}
        self.world.feed()
        self.world.recompute()
        for side, customer, phone, order, channel_order in (
            ("a", shared, shared_phone, a_order, a_channel),
            ("b", b_order["customer_id"], b_phone, b_order, b_channel),
        ):
            rider = self.as_admin(
                "POST", "/riders", json={"id": fresh_id("rider"), "store_id": stores[side], "name": "骑手"}
            ).json()["id"]
            address = f"上海市黄浦区{side.upper()}路{len(self.people)}号"
            self.people.add(address.removeprefix("上海市黄浦区"))
            if side == "b":
                self.secrets_b.add(address.removeprefix("上海市黄浦区"))
            self.sides[side] = Side(
                store=stores[side],
                customer=customer,
                phone=phone,
                order=order["id"],
                channel_order=channel_order["id"],
                rider=rider,
                coupon=self.grant(customer),
                address=address,
                address_id=self.new_address(customer, side),
                notification=0,
            )
            self.sides[side].notification = self.failed_notification(side)
            put_rider_at(self.url, rider, STORE)
            self.new_order(side, status="ready")
            planned = self.as_admin("POST", f"/stores/{stores[side]}/dispatch", params={"seconds": 0.2}).json()
            assert planned["routes"], planned
            if side == "b":
                self.secrets_b |= {rider, order["id"], channel_order["id"], self.sides[side].coupon}
        self.crm_config = self.as_admin("GET", "/crm/config").json()
        self.headers = {
            "admin": self.admin,
            "channel": {"X-API-Key": keys["a"]},
            "device": {"Authorization": f"Bearer {token}"},
        }
        for role, stores_of in (
            ("operator", None),
            ("store_manager", [stores["a"]]),
            ("marketer", None),
            ("finance", None),
        ):
            username = fresh_id(role)
            self.as_admin(
                "POST",
                "/users",
                json={"username": username, "password": PASSWORD, "role": role, "store_ids": stores_of},
            )
            self.headers[role] = login(self.client, username, PASSWORD)

    def phone(self) -> str:
        phone = f"+86139{next(self.phones):08d}"
        self.people |= {phone, phone[3:]}
        return phone

    def place(self, side: str, phone: str, *, headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
        name = extra.pop("name", None)
        customer = {"phone": phone, **({"name": name} if name else {})}
        street = "南京东路" if side == "a" else "淮海中路"  # one store's addresses never look like the other's
        address = f"上海市黄浦区{street}{next(self.numbers)}号"
        delivery = {"address": address, "lat": 31.2397, "lon": 121.4998, "notes": f"到了打{phone[3:]}"}
        body = order_body(self.stores[side], customer=customer, delivery=delivery, **extra)
        r = self.client.post("/orders", json=body, headers=headers or self.admin)
        assert r.status_code == 201, r.text
        order: dict[str, Any] = r.json()
        self.people.add(address.removeprefix("上海市黄浦区"))
        if side == "b":
            self.secrets_b |= {order["id"], address.removeprefix("上海市黄浦区")}
        return order

    def grant(self, customer: str) -> str:
        r = self.as_admin("POST", f"/coupon-templates/{self.coupon_template}/grants", json={"customer_id": customer})
        return str(r.json()["code"])

    # --- what the operations' builders ask for --------------------------------------------------------

    def store(self, side: str) -> str:
        return self.stores[side]

    def obj(self, side: str) -> Side:
        return self.sides[side]

    def order_for(self, side: str, role: str) -> str:
        """The side's order as the role knows it: a channel reads the orders its own key placed."""
        return self.sides[side].channel_order if role == "channel" else self.sides[side].order

    def as_admin(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        r = self.client.request(method, url, headers=self.admin, **kwargs)
        assert r.status_code < 300, (method, url, r.text)
        return r

    def new_customer(self, side: str) -> str:
        return str(self.place(side, self.phone(), name="新顾客")["customer_id"])

    def new_address(self, customer: str, side: str) -> int:
        r = self.as_admin("POST", f"/customers/{customer}/addresses", json={"address": f"上海市黄浦区{side}路9号"})
        return int(r.json()["id"])

    def new_order(self, side: str, *, status: str | None = None, rider: bool = False, channel: bool = False) -> str:
        headers = self.headers["channel"] if channel else None
        order = str(self.place(side, self.sides[side].phone, headers=headers)["id"])
        if status is not None:
            self.as_admin("POST", f"/orders/{order}/status", json={"status": status})
        if rider:
            self.as_admin("POST", f"/orders/{order}/delivery/assign", json={"rider_id": self.sides[side].rider})
        return order

    def new_coupon(self, side: str) -> str:
        code = self.grant(self.sides[side].customer)
        if side == "b":
            self.secrets_b.add(code)
        return code

    def failed_notification(self, side: str) -> int:
        """A message to the side's customer that the gateway refused (only failed ones are retried)."""
        r = self.as_admin(
            "POST",
            f"/customers/{self.sides[side].customer}/notifications",
            json={"template_id": "msg-winback", "channel": "sms", "key": fresh_id("n")},
        )
        nid = int(r.json()["id"])
        with self.world.db.session() as session:
            session.execute(
                update(NOTIFICATIONS)
                .where(NOTIFICATIONS.c.id == nid)
                .values(status="failed", last_error=f"gateway refused {self.sides[side].phone}")
            )
            session.commit()
        return nid

    def new_device(self) -> str:
        body = {"device_id": fresh_id("kds"), "kind": "kds", "store_id": self.stores["a"]}
        return str(self.as_admin("POST", "/devices", json=body).json()["id"])

    def new_user(self, role: str) -> tuple[str, dict[str, str]]:
        """A throwaway user of ``role`` (store A's, if scoped): its id and signed-in headers."""
        username = fresh_id(role.replace("_", ""))
        stores = [self.stores["a"]] if role == "store_manager" else None
        body = {"username": username, "password": PASSWORD, "role": role, "store_ids": stores}
        user_id = str(self.as_admin("POST", "/users", json=body).json()["id"])
        return user_id, login(self.client, username, PASSWORD)

    def new_api_key(self) -> str:
        r = self.as_admin("POST", "/api-keys", json={"name": "临时", "channel": "spare", "store_ids": None})
        return str(r.json()["id"])

    def unsubscribe_token(self, side: str) -> str:
        return unsubscribe_token(self.secret, self.sides[side].customer, "sms")

    # --- calling --------------------------------------------------------------------------------------

    def send(self, call: Call, role: str) -> httpx.Response:
        headers = call.headers if call.headers is not None else {} if call.anonymous else self.headers[role]
        return self.client.request(
            call.method,
            call.url,
            headers=headers,
            json=call.json,
            params=call.params,
            data=call.data,
            content=call.content,
        )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sweep]:
    tmp = tmp_path_factory.mktemp("role-sweep")
    url = sqlite_database(tmp)
    with TestClient(create_app(rest_settings(url, tmp))) as client:
        hub = Sweep(client, url, make_admin(url))
        hub.seed()
        yield hub


CASES = [
    pytest.param(method, path, role, side, id=f"{method} {path} {role} {side}")
    for (method, path), op in OPS.items()
    for role in ROLES
    for side in op.sides
]


@pytest.mark.parametrize(("method", "path", "role", "side"), CASES)
def test_every_role_gets_only_what_it_may(sweep: Sweep, method: str, path: str, role: str, side: str) -> None:
    op = OPS[(method, path)]
    allowed = role in op.allowed
    elsewhere = side == "b" and role in SCOPED and op.scoped
    call = op.build(sweep, side, role, allowed and not elsewhere)
    r = sweep.send(call, role)
    seen = f"{method} {call.url} as {role}: {r.status_code} {r.text[:300]}"

    assert r.status_code < 500, seen
    if not allowed:
        assert r.status_code == 403, seen
    elif elsewhere:
        assert r.status_code == op.other, seen
    else:
        assert r.status_code in op.ok, seen

    if role in SCOPED:
        given = _given(call) | ({sweep.sides["b"].customer} if elsewhere and r.status_code < 300 else set())
        leaked = {s for s in sweep.secrets_b - given if s in r.text}
        assert not leaked, f"store B's {sorted(leaked)} in {seen}"
    if role in MASKED:
        assert not UNMASKED_PHONE.search(r.text), seen
        shown = {p for p in sweep.people if p in r.text}
        assert not shown, f"{sorted(shown)} in {seen}"
    if side == "b" and r.status_code < 300 and path == "/orders" and method == "POST":
        sweep.secrets_b.add(r.json()["id"])


def _given(call: Call) -> set[str]:
    """Every text the caller sent (a phone also as written nationally): the upsert of another store's
    customer answers with what it was sent, and no more."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update({value, value.removeprefix("+86")})
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk([call.json, call.params, call.data])
    return found


def test_the_sweep_covers_every_operation(sweep: Sweep) -> None:
    spec = sweep.client.get("/openapi.json").json()
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert operations == set(OPS), "add the new operation to tests/hub/role_sweep_ops.py"
