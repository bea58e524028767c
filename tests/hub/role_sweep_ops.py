"""The role sweep's table: for every operation of the hub's API, who may call it and how to call it
on store A's or store B's objects. ``tests/hub/test_role_sweep.py`` runs it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.hub.seed import order_body

if TYPE_CHECKING:
    from tests.hub.test_role_sweep import Sweep

ADMIN = frozenset({"admin"})
OPERATORS = ADMIN | {"operator"}
MANAGERS = OPERATORS | {"store_manager"}
MARKETERS = ADMIN | {"marketer"}
STAFF = MANAGERS | {"marketer", "finance"}
TAGGERS = MANAGERS | {"marketer"}
ORDER_READERS = STAFF | {"channel"}
CHANGERS = MANAGERS | {"channel"}
REFUNDERS = MANAGERS | {"finance"}
PLACERS = MANAGERS | {"channel", "device"}
DELIVERY_READERS = MANAGERS | {"channel"}
EVERYONE = STAFF | {"channel", "device"}
OK = frozenset({200, 201, 204})


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    params: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    anonymous: bool = False
    """Sent without the role's credentials (sign-in, unsubscribe)."""
    headers: dict[str, str] | None = None
    """Sent with these credentials instead of the role's (a throwaway user changing its password)."""
    content: bytes | None = None
    """A raw request body (a provider's bill file)."""


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    allowed: frozenset[str]
    build: Callable[[Sweep, str, str, bool], Call]
    """(sweep, side "a"/"b", role, fresh): fresh when the call is expected to succeed (may change state)."""
    scoped: bool = True
    """Names a store's object: a role scoped to store A asking for store B's gets 404."""
    ok: frozenset[int] = OK
    other: int = 404
    """What a role scoped to store A gets for store B's object."""
    sides: tuple[str, ...] = field(default=("a", "b"))


OPS: dict[tuple[str, str], Op] = {}


def op(
    method: str,
    path: str,
    allowed: frozenset[str],
    *,
    scoped: bool = True,
    ok: frozenset[int] = OK,
    other: int = 404,
) -> Callable[[Callable[[Sweep, str, str, bool], Call]], Callable[[Sweep, str, str, bool], Call]]:
    def register(build: Callable[[Sweep, str, str, bool], Call]) -> Callable[[Sweep, str, str, bool], Call]:
        sides = ("a", "b") if scoped else ("a",)
        OPS[(method, path)] = Op(method, path, allowed, build, scoped, ok, other, sides)
        return build

    return register


def fresh_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- health, auth, users, keys, devices -------------------------------------------------------------


@op("GET", "/healthz", EVERYONE, scoped=False)
def _healthz(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/healthz")


@op("GET", "/readyz", EVERYONE, scoped=False)
def _readyz(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/readyz")


@op("GET", "/metrics", EVERYONE, scoped=False)
def _metrics(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/metrics")


@op("POST", "/auth/token", EVERYONE, scoped=False)
def _token(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/auth/token", data={"username": s.admin_name, "password": s.admin_password}, anonymous=True)


@op("POST", "/auth/device-token", EVERYONE, scoped=False)
def _device_token(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/auth/device-token", json=s.device_login, anonymous=True)


@op("GET", "/auth/me", EVERYONE, scoped=False)
def _me(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/auth/me")


@op("POST", "/users", ADMIN, scoped=False)
def _create_user(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"username": fresh_id("u"), "password": "long-enough-pw", "role": "marketer"}
    return Call("POST", "/users", json=body)


@op("GET", "/users", ADMIN, scoped=False)
def _users(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/users")


@op("POST", "/api-keys", ADMIN, scoped=False)
def _create_key(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/api-keys", json={"name": "饿了么", "channel": "eleme", "store_ids": [s.store("a")]})


@op("GET", "/api-keys", ADMIN, scoped=False)
def _keys(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/api-keys")


@op("DELETE", "/api-keys/{key_id}", ADMIN, scoped=False)
def _revoke_key(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("DELETE", f"/api-keys/{s.new_api_key() if fresh else s.spare_key_id}")


@op("POST", "/devices", OPERATORS, scoped=False)
def _create_device(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/devices", json={"device_id": fresh_id("kds"), "kind": "kds", "store_id": s.store("a")})


@op("GET", "/devices", OPERATORS, scoped=False)
def _devices(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/devices")


@op("POST", "/devices/{device_id}/rotate", OPERATORS, scoped=False)
def _rotate_device(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/devices/{s.new_device() if fresh else s.spare_device_id}/rotate")


@op("DELETE", "/devices/{device_id}", OPERATORS, scoped=False)
def _revoke_device(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("DELETE", f"/devices/{s.new_device() if fresh else s.spare_device_id}")


@op("POST", "/auth/password", STAFF, scoped=False)
def _change_own_password(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    """Changing a password ends the user's other sessions: a throwaway user of the role does it."""
    body = {"current_password": s.user_password, "new_password": "a-new-long-passphrase-7"}
    if not fresh:
        return Call("POST", "/auth/password", json=body)
    _, headers = s.new_user(role)
    return Call("POST", "/auth/password", json=body, headers=headers)


@op("POST", "/users/{user_id}/password", ADMIN, scoped=False)
def _set_password(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    user = s.new_user("marketer")[0] if fresh else s.spare_user_id
    return Call("POST", f"/users/{user}/password", json={"new_password": "a-new-long-passphrase-7"})


@op("POST", "/users/{user_id}/disable", ADMIN, scoped=False)
def _disable_user(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/users/{s.new_user('finance')[0] if fresh else s.spare_user_id}/disable")


@op("POST", "/users/{user_id}/enable", ADMIN, scoped=False)
def _enable_user(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/users/{s.new_user('finance')[0] if fresh else s.spare_user_id}/enable")


@op("GET", "/audit-log", ADMIN, scoped=False)
def _audit_log(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/audit-log", params={"action": "auth.login_failed"})


# --- stores -----------------------------------------------------------------------------------------


@op("POST", "/stores", OPERATORS, scoped=False)
def _create_store(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/stores", json={"id": fresh_id("st"), "name": "新店"})


@op("GET", "/stores", STAFF, scoped=False)
def _stores(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/stores")


@op("GET", "/stores/{store_id}", STAFF)
def _store(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}")


@op("POST", "/stores/{store_id}/stations", OPERATORS)
def _add_station(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/stores/{s.store(side)}/stations", json={"code": fresh_id("stn"), "name": "凉菜"})


@op("GET", "/stores/{store_id}/stations", STAFF)
def _stations(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/stations")


@op("POST", "/stores/{store_id}/printers", MANAGERS)
def _add_printer(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"id": fresh_id("p"), "name": "打印机", "station_code": "wok", "connection": "tcp://127.0.0.1:9100"}
    return Call("POST", f"/stores/{s.store(side)}/printers", json=body)


@op("GET", "/stores/{store_id}/printers", STAFF)
def _printers(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/printers")


@op("POST", "/stores/{store_id}/menu-items", MANAGERS)
def _add_item(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"sku": fresh_id("sku"), "name": "拍黄瓜", "price_fen": 1200, "station_codes": ["wok"]}
    return Call("POST", f"/stores/{s.store(side)}/menu-items", json=body)


@op("GET", "/stores/{store_id}/menu-items", STAFF)
def _menu(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/menu-items")


@op("PATCH", "/stores/{store_id}/menu-items/{sku}", MANAGERS)
def _patch_item(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PATCH", f"/stores/{s.store(side)}/menu-items/NM", json={"price_fen": 1500})


@op("POST", "/stores/{store_id}/menu/publish", MANAGERS)
def _publish(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/stores/{s.store(side)}/menu/publish")


# --- customers --------------------------------------------------------------------------------------


@op("POST", "/customers", MANAGERS, other=200)
def _upsert(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/customers", json={"phone": s.obj(side).phone, "name": "顾客"})


@op("GET", "/customers", STAFF, scoped=False)
def _search(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/customers")


@op("GET", "/customers/lookup", STAFF)
def _lookup(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/customers/lookup", params={"phone": s.obj(side).phone})


@op("GET", "/customers/{customer_id}", STAFF)
def _customer(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/customers/{s.obj(side).customer}")


@op("POST", "/customers/{customer_id}/identities", MANAGERS)
def _add_identity(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"kind": "member_id", "value": fresh_id("M")}
    return Call("POST", f"/customers/{s.obj(side).customer}/identities", json=body)


@op("POST", "/customers/{customer_id}/merge", OPERATORS)
def _merge(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    target = s.new_customer(side) if fresh else s.obj(side).customer
    source = s.new_customer(side) if fresh else s.obj(side).customer
    return Call("POST", f"/customers/{target}/merge", json={"source_customer_id": source})


@op("GET", "/customers/{customer_id}/360", STAFF)
def _view_360(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/customers/{s.obj(side).customer}/360")


@op("PATCH", "/customers/{customer_id}/profile", MANAGERS)
def _profile(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PATCH", f"/customers/{s.obj(side).customer}/profile", json={"preferences": {"spice": "少辣"}})


@op("POST", "/customers/{customer_id}/addresses", MANAGERS)
def _add_address(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/customers/{s.obj(side).customer}/addresses", json={"address": s.obj(side).address})


@op("DELETE", "/customers/{customer_id}/addresses/{address_id}", MANAGERS)
def _remove_address(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    customer = s.obj(side).customer
    address = s.new_address(customer, side) if fresh else s.obj(side).address_id
    return Call("DELETE", f"/customers/{customer}/addresses/{address}")


@op("PUT", "/customers/{customer_id}/consents/{channel}", MANAGERS)
def _consent(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", f"/customers/{s.obj(side).customer}/consents/sms", json={"granted": True})


@op("PUT", "/customers/{customer_id}/tags/{tag}", TAGGERS)
def _tag(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", f"/customers/{s.obj(side).customer}/tags/常客")


@op("DELETE", "/customers/{customer_id}/tags/{tag}", TAGGERS)
def _untag(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    customer = s.obj(side).customer
    tag = fresh_id("t")
    s.as_admin("PUT", f"/customers/{customer}/tags/{tag}")
    return Call("DELETE", f"/customers/{customer}/tags/{tag}")


@op("GET", "/customers/{customer_id}/export", OPERATORS)
def _export(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/customers/{s.obj(side).customer}/export")


@op("POST", "/customers/{customer_id}/erase", OPERATORS)
def _erase(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/customers/{s.new_customer(side) if fresh else s.obj(side).customer}/erase")


# --- orders, kitchen, delivery ------------------------------------------------------------------------


@op("POST", "/orders", PLACERS)
def _place(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/orders", json=order_body(s.store(side), customer={"phone": s.obj(side).phone}))


@op("GET", "/orders", ORDER_READERS, scoped=False)
def _orders(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/orders", params={"limit": 500})


@op("GET", "/orders/{order_id}", ORDER_READERS)
def _order(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/orders/{s.order_for(side, role)}")


@op("GET", "/orders/{order_id}/events", ORDER_READERS)
def _events(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/orders/{s.order_for(side, role)}/events")


@op("POST", "/orders/{order_id}/status", MANAGERS)
def _status(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    order = s.new_order(side) if fresh else s.obj(side).order
    return Call("POST", f"/orders/{order}/status", json={"status": "accepted"})


@op("PUT", "/orders/{order_id}/lines", CHANGERS)
def _lines(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    order = s.new_order(side, channel=role == "channel") if fresh else s.order_for(side, role)
    return Call("PUT", f"/orders/{order}/lines", json={"lines": [{"sku": "NM", "quantity": 1}]})


@op("POST", "/orders/{order_id}/refunds", REFUNDERS)
def _refund(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"key": fresh_id("rf"), "amount_fen": 1, "reason": "少送一串"}
    return Call("POST", f"/orders/{s.obj(side).order}/refunds", json=body)


@op("GET", "/orders/{order_id}/delivery", DELIVERY_READERS)
def _delivery(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/orders/{s.order_for(side, role)}/delivery")


@op("POST", "/orders/{order_id}/delivery/assign", MANAGERS)
def _assign(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    order = s.new_order(side, status="ready") if fresh else s.obj(side).order
    return Call("POST", f"/orders/{order}/delivery/assign", json={"rider_id": s.obj(side).rider})


@op("POST", "/orders/{order_id}/delivery/unassign", MANAGERS)
def _unassign(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    order = s.new_order(side, status="ready", rider=True) if fresh else s.obj(side).order
    return Call("POST", f"/orders/{order}/delivery/unassign")


@op("GET", "/kitchen/tickets", STAFF, scoped=False)
def _tickets(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/kitchen/tickets", params={"limit": 1000})


@op("POST", "/kitchen/orders/{order_id}/reprint", MANAGERS)
def _reprint(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/kitchen/orders/{s.obj(side).order}/reprint")


@op("GET", "/kitchen/stats", STAFF, scoped=False)
def _kitchen_stats(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/kitchen/stats")


@op("POST", "/riders", MANAGERS)
def _create_rider(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/riders", json={"id": fresh_id("rider"), "store_id": s.store(side), "name": "骑手"})


@op("GET", "/riders", MANAGERS)
def _riders(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/riders", params={"store_id": s.store(side)})


@op("GET", "/riders/{rider_id}", MANAGERS)
def _rider(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/riders/{s.obj(side).rider}")


@op("PATCH", "/riders/{rider_id}", MANAGERS)
def _patch_rider(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PATCH", f"/riders/{s.obj(side).rider}", json={"capacity": 6})


@op("GET", "/riders/{rider_id}/track", MANAGERS)
def _track(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/riders/{s.obj(side).rider}/track")


@op("GET", "/riders/{rider_id}/route", MANAGERS)
def _route(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/riders/{s.obj(side).rider}/route")


@op("POST", "/stores/{store_id}/dispatch", MANAGERS)
def _dispatch(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/stores/{s.store(side)}/dispatch", params={"seconds": 0.2})


@op("GET", "/stores/{store_id}/routes", MANAGERS)
def _routes(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/routes")


@op("GET", "/stores/{store_id}/routes.geojson", MANAGERS)
def _geojson(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/routes.geojson")


from tests.hub.analytics import sweep_ops as _analytics_ops  # noqa: E402, F401  (registers its operations)
from tests.hub.crm import sweep_ops as _crm_ops  # noqa: E402, F401  (registers its operations)
from tests.hub.service import sweep_ops as _service_desk_ops  # noqa: E402, F401  (registers its operations)
from tests.hub.subscriptions import sweep_ops as _subscription_ops  # noqa: E402, F401  (registers its operations)
