"""The subscriptions' and billing's operations in the role sweep (``tests/hub/role_sweep_ops.py`` imports this).

Money (balances, payments, statements) is seen by admin, operator and finance; a store's subscriptions,
settings and day by its managers too (finance reads them); a store's edge device reads its day and reports
outcomes. Each side has a plan subscription in its store and one generated delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tests.hub.billing.bill_samples import wechat_bill
from tests.hub.role_sweep_ops import EVERYONE, MANAGERS, OPERATORS, STAFF, Call, fresh_id, op

if TYPE_CHECKING:
    from tests.hub.test_role_sweep import Sweep

READERS = MANAGERS | {"finance"}
"""Who reads a store's subscriptions and settings (balances only for who sees money)."""
DAY_READERS = READERS | {"device"}
RIDERS = MANAGERS | {"device"}
MONEY = OPERATORS | {"finance"}
RECONCILERS = MONEY | {"store_manager"}
NOT_CONFIGURED = frozenset({404})
"""The sweep's hub has no payment provider configured: a top-up or a provider's notice is a 404 problem."""
CHINA = ZoneInfo("Asia/Shanghai")
PLAN = "sweep-milk"
SPARE_PLAN = "sweep-milk-spare"
ADDRESS = {"line": "订奶地址", "lat": 31.2310, "lon": 121.4740}


def plan_body(plan_id: str) -> dict[str, Any]:
    return {
        "id": plan_id,
        "name": "鲜奶月卡",
        "kind": "monthly",
        "price_fen": 36000,
        "items": [{"sku": "MILK-250", "name": "鲜牛奶 250 ml", "quantity": 2, "unit_price_fen": 350}],
        "frequency": {"kind": "daily"},
        "window_start": "06:00",
        "window_end": "08:00",
    }


SETTINGS = {"zone": "Asia/Shanghai", "cutoff": "20:00", "route_count": 1}


@dataclass
class Milk:
    start: date
    """The first delivery day of every seeded subscription: still changeable whatever the hour."""
    subscriptions: dict[str, str]
    deliveries: dict[str, int]


def _milk(s: Sweep) -> Milk:
    found: Milk | None = getattr(s, "milk", None)
    if found is None:
        found = _seed(s)
        s.milk = found  # type: ignore[attr-defined]
    return found


def _seed(s: Sweep) -> Milk:
    ctx = s.client.app.state.ctx  # type: ignore[attr-defined]
    s.as_admin("POST", "/subscription-plans", json=plan_body(PLAN))
    s.as_admin("POST", "/subscription-plans", json=plan_body(SPARE_PLAN))
    start = ctx.clock().astimezone(CHINA).date() + timedelta(days=2)
    milk = Milk(start, {}, {})
    for side in "ab":
        s.as_admin("PUT", f"/stores/{s.store(side)}/subscription-settings", json=SETTINGS)
        milk.subscriptions[side] = _subscribe(s, side, start)
    real = ctx.clock
    eve = datetime.combine(start - timedelta(days=1), time(20, 5), CHINA).astimezone(UTC)
    ctx.clock = lambda: eve  # the cut-off of the day before the start freezes the start's deliveries
    try:
        for side in "ab":
            day = s.as_admin("POST", f"/stores/{s.store(side)}/subscription-days/run").json()
            assert day["business_date"] == start.isoformat() and day["deliveries"] >= 1, day
            found = s.as_admin("GET", f"/stores/{s.store(side)}/subscription-days/{start}/deliveries").json()
            milk.deliveries[side] = next(d["id"] for d in found if d["subscription_id"] == milk.subscriptions[side])
    finally:
        ctx.clock = real
    return milk


def _subscribe(s: Sweep, side: str, start: date) -> str:
    body = {
        "customer_id": s.obj(side).customer,
        "store_id": s.store(side),
        "plan_id": PLAN,
        "start": start.isoformat(),
        "address": ADDRESS,
    }
    sub = str(s.as_admin("POST", "/subscriptions", json=body).json()["id"])
    if side == "b":
        s.secrets_b.add(sub)
    return sub


def _subscription(s: Sweep, side: str, fresh: bool) -> str:
    """A new subscription of the side for a call that is to succeed (changes refuse twice), else the seeded one."""
    milk = _milk(s)
    return _subscribe(s, side, milk.start) if fresh else milk.subscriptions[side]


def _day(s: Sweep, n: int) -> str:
    return (_milk(s).start + timedelta(days=n)).isoformat()


# --- plans and store settings ---------------------------------------------------------------------------


@op("GET", "/subscription-plans", STAFF, scoped=False)
def _plans(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("GET", "/subscription-plans")


@op("POST", "/subscription-plans", OPERATORS, scoped=False)
def _create_plan(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/subscription-plans", json=plan_body(fresh_id("plan")))


@op("GET", "/subscription-plans/{plan_id}", STAFF, scoped=False)
def _plan(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("GET", f"/subscription-plans/{PLAN}")


@op("PUT", "/subscription-plans/{plan_id}", OPERATORS, scoped=False)
def _update_plan(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("PUT", f"/subscription-plans/{SPARE_PLAN}", json=plan_body(SPARE_PLAN))


@op("DELETE", "/subscription-plans/{plan_id}", OPERATORS, scoped=False)
def _retire_plan(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("DELETE", f"/subscription-plans/{SPARE_PLAN}")


@op("GET", "/stores/{store_id}/subscription-settings", READERS)
def _settings(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("GET", f"/stores/{s.store(side)}/subscription-settings")


@op("PUT", "/stores/{store_id}/subscription-settings", MANAGERS)
def _put_settings(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("PUT", f"/stores/{s.store(side)}/subscription-settings", json=SETTINGS)


# --- subscriptions and their changes ----------------------------------------------------------------------


@op("POST", "/subscriptions", MANAGERS)
def _create_subscription(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {
        "customer_id": s.obj(side).customer,
        "store_id": s.store(side),
        "plan_id": PLAN,
        "start": _milk(s).start.isoformat(),
        "address": ADDRESS,
    }
    return Call("POST", "/subscriptions", json=body)


@op("GET", "/subscriptions/{subscription_id}", READERS)
def _get_subscription(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/subscriptions/{_milk(s).subscriptions[side]}")


@op("GET", "/customers/{customer_id}/subscriptions", READERS, other=200)
def _customer_subscriptions(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    """A store-A role asking for store B's customer gets the list of what it sees: none of store B's."""
    _milk(s)
    return Call("GET", f"/customers/{s.obj(side).customer}/subscriptions")


@op("POST", "/subscriptions/{subscription_id}/pauses", MANAGERS)
def _pause(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"first": _day(s, 3), "last": _day(s, 5)}
    return Call("POST", f"/subscriptions/{_subscription(s, side, fresh)}/pauses", json=body)


@op("POST", "/subscriptions/{subscription_id}/resume", MANAGERS)
def _resume(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    sub = _subscription(s, side, fresh)
    if fresh:
        s.as_admin("POST", f"/subscriptions/{sub}/pauses", json={"first": _day(s, 3)})
    return Call("POST", f"/subscriptions/{sub}/resume", json={"on": _day(s, 6)})


@op("POST", "/subscriptions/{subscription_id}/skips", MANAGERS)
def _skip(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"day": _day(s, 2), "reason": "出差"}
    return Call("POST", f"/subscriptions/{_subscription(s, side, fresh)}/skips", json=body)


@op("POST", "/subscriptions/{subscription_id}/extras", MANAGERS)
def _extra(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", f"/subscriptions/{_subscription(s, side, fresh)}/extras", json={"day": _day(s, 4)})


@op("POST", "/subscriptions/{subscription_id}/changes", MANAGERS)
def _change(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"effective_from": _day(s, 7), "instructions": "放门口"}
    return Call("POST", f"/subscriptions/{_subscription(s, side, fresh)}/changes", json=body)


@op("POST", "/subscriptions/{subscription_id}/cancel", MANAGERS)
def _cancel(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"effective": _day(s, 10), "reason": "搬家"}
    return Call("POST", f"/subscriptions/{_subscription(s, side, fresh)}/cancel", json=body)


CONSENT = {"method": "app_checkbox", "wording_version": "v1", "max_price_fen": 40000}


@op("PUT", "/subscriptions/{subscription_id}/auto-renew", MANAGERS)
def _give_consent(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("PUT", f"/subscriptions/{_subscription(s, side, fresh)}/auto-renew", json=CONSENT)


@op("DELETE", "/subscriptions/{subscription_id}/auto-renew", MANAGERS)
def _revoke_consent(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    sub = _subscription(s, side, fresh)
    if fresh:
        s.as_admin("PUT", f"/subscriptions/{sub}/auto-renew", json=CONSENT)
    return Call("DELETE", f"/subscriptions/{sub}/auto-renew")


@op("GET", "/subscriptions/{subscription_id}/auto-renew", READERS)
def _consent(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/subscriptions/{_milk(s).subscriptions[side]}/auto-renew")


# --- a store's subscription day ---------------------------------------------------------------------------


@op("POST", "/stores/{store_id}/subscription-days/run", MANAGERS)
def _run_day(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    _milk(s)
    return Call("POST", f"/stores/{s.store(side)}/subscription-days/run")


@op("GET", "/stores/{store_id}/subscription-days/{business_date}/pick-list", DAY_READERS)
def _pick_list(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/subscription-days/{_day(s, 0)}/pick-list")


@op("GET", "/stores/{store_id}/subscription-days/{business_date}/deliveries", DAY_READERS)
def _deliveries(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/subscription-days/{_day(s, 0)}/deliveries")


@op("POST", "/subscription-deliveries/{delivery_id}/outcome", RIDERS)
def _outcome(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    """Reporting the same outcome again changes nothing, so every allowed role reports "delivered"."""
    delivery = _milk(s).deliveries[side]
    return Call("POST", f"/subscription-deliveries/{delivery}/outcome", json={"outcome": "delivered"})


# --- money: balances, payments, statements, reconciliation -------------------------------------------------


@op("GET", "/customers/{customer_id}/balance", MONEY)
def _balance(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/customers/{s.obj(side).customer}/balance")


@op("POST", "/customers/{customer_id}/balance/payments", MONEY)
def _manual_payment(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"reference": fresh_id("MAN").replace("-", ""), "amount_fen": 3000, "method": "cash"}
    return Call("POST", f"/customers/{s.obj(side).customer}/balance/payments", json=body)


@op("POST", "/customers/{customer_id}/balance/adjustments", MONEY)
def _adjustment(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"key": fresh_id("adj"), "amount_fen": 100, "note": "补差价"}
    return Call("POST", f"/customers/{s.obj(side).customer}/balance/adjustments", json=body)


@op("POST", "/customers/{customer_id}/balance/top-ups", MONEY, ok=NOT_CONFIGURED)
def _top_up(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"reference": fresh_id("TOP").replace("-", ""), "amount_fen": 3000, "method": "wechat.native"}
    return Call("POST", f"/customers/{s.obj(side).customer}/balance/top-ups", json=body)


@op("POST", "/billing/notifications/{provider}", EVERYONE, scoped=False, ok=NOT_CONFIGURED)
def _provider_notification(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/billing/notifications/wechat", json={"id": fresh_id("evt")}, anonymous=True)


@op("POST", "/billing/bill-imports", MONEY, scoped=False)
def _bill_import(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/billing/bill-imports", params={"provider": "wechat"}, content=wechat_bill())


@op("GET", "/customers/{customer_id}/statements/{year}/{month}", MONEY)
def _statement(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    start = _milk(s).start
    return Call("GET", f"/customers/{s.obj(side).customer}/statements/{start.year}/{start.month}")


@op("GET", "/stores/{store_id}/reconciliations/{day}", RECONCILERS)
def _reconciliation(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", f"/stores/{s.store(side)}/reconciliations/{_day(s, 0)}")


# --- money at the counter: ad-hoc charges, refunds, receipts (a store manager: their store's) ----------------

CASHIERS = MONEY | {"store_manager"}


def _cash(s: Sweep, side: str, amount: int = 300) -> str:
    """A cash payment into the side's customer's balance, taken at the side's store: its reference."""
    reference = fresh_id("CSH").replace("-", "")[:32]
    body = {"reference": reference, "amount_fen": amount, "method": "cash", "store_id": s.store(side)}
    s.as_admin("POST", f"/customers/{s.obj(side).customer}/balance/payments", json=body)
    if side == "b":
        s.secrets_b.add(reference)
    return reference


def _charged(s: Sweep, side: str) -> str:
    """An ad-hoc charge at the side's store (paid for first): its ledger key."""
    _cash(s, side)
    reference = fresh_id("gift")
    body = {"reference": reference, "amount_fen": 200, "store_id": s.store(side)}
    s.as_admin("POST", f"/customers/{s.obj(side).customer}/balance/charges", json=body)
    return f"adhoc:{reference}"


@op("POST", "/customers/{customer_id}/balance/charges", CASHIERS)
def _adhoc_charge(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    if fresh:
        _cash(s, side)
    body = {"reference": fresh_id("gift"), "amount_fen": 100, "store_id": s.store(side), "note": "礼盒"}
    return Call("POST", f"/customers/{s.obj(side).customer}/balance/charges", json=body)


@op("POST", "/customers/{customer_id}/balance/refunds", CASHIERS)
def _refund(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    body = {"key": fresh_id("rf"), "entry_key": _charged(s, side), "amount_fen": 50, "note": "少送一瓶"}
    return Call("POST", f"/customers/{s.obj(side).customer}/balance/refunds", json=body)


@op("GET", "/billing/payments/{reference}/receipt", CASHIERS)
def _receipt(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    receipts: dict[str, str] = getattr(s, "receipts", {})
    if side not in receipts:
        receipts[side] = _cash(s, side)
        s.receipts = receipts  # type: ignore[attr-defined]
    return Call("GET", f"/billing/payments/{receipts[side]}/receipt")
