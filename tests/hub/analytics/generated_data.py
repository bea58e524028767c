"""Generated sales for the analytics tests: rows written to the database and kept as plain dicts.

Two stores in zones far apart (Shanghai, Los Angeles with daylight saving), orders close to local
midnight, several orders a day for some customers, cancelled and failed orders, deliveries and
kitchen tickets. The same dicts feed the independent pandas computation.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from hub.tables import metadata

STORES = {"sh": "Asia/Shanghai", "la": "America/Los_Angeles"}
START = datetime(2026, 2, 20, tzinfo=UTC)
NOW = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
SKUS = {"KB": ("宫保鸡丁", 3800), "MP": ("麻婆豆腐", 2600), "RC": ("米饭", 300), "TEA": ("奶茶", 1500)}
REASONS = ["no_answer", "wrong_address", "refused"]


@dataclass
class Generated:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


def generate(seed: int = 7, n_customers: int = 200, n_orders: int = 900) -> Generated:
    rnd = random.Random(seed)
    data = Generated()
    for store_id, zone in STORES.items():
        data.add("stores", {"id": store_id, "name": store_id, "timezone": zone, "address": "", "created_at": START})
        for code, late in (("wok", 600), ("bar", 240)):
            data.add(
                "stations", {"store_id": store_id, "code": code, "name": code, "warn_after_s": 60, "late_after_s": late}
            )
        for r in range(2):
            data.add(
                "riders",
                {
                    "id": f"{store_id}-r{r}",
                    "store_id": store_id,
                    "name": f"r{r}",
                    "capacity": 6,
                    "active": True,
                    "created_at": START,
                    "positions_dropped": 0,
                },
            )
    for c in range(n_customers):
        data.add(
            "customers",
            {
                "id": f"c{c:03d}",
                "display_name": "",
                "home_store_id": rnd.choice(list(STORES)),
                "created_at": START,
                "updated_at": START,
            },
        )
    span = (NOW - START).total_seconds()
    leaves = [c / n_customers + rnd.uniform(0.1, 1.2) for c in range(n_customers)]
    cum_rates = list(itertools.accumulate(rnd.gammavariate(0.7, 1.0) for _ in range(n_customers)))
    """Customers buy at rates of their own (gamma-distributed, as BG/NBD assumes)."""
    for i in range(n_orders):
        store_id = rnd.choice(list(STORES))
        placed = START + timedelta(seconds=rnd.uniform(0, span))
        elapsed = (placed - START).total_seconds() / span
        joined = max(1, int(n_customers * elapsed))  # customers join over time; some leave for good
        customer = None
        for _ in range(5):
            c = rnd.choices(range(joined), cum_weights=cum_rates[:joined])[0]
            if leaves[c] > elapsed:
                customer = f"c{c:03d}"
                break
        if rnd.random() < 0.08:
            customer = None
        if rnd.random() < 0.3:  # close to a local midnight: 15:30-16:30 UTC is Shanghai's midnight
            placed = placed.replace(
                hour=15 if store_id == "sh" else 7, minute=rnd.choice([29, 59]), second=rnd.randrange(60)
            )
        if placed >= NOW:  # nothing from the future
            placed -= timedelta(days=1)
        status = rnd.choices(["delivered", "picked_up", "cancelled", "failed"], [0.8, 0.08, 0.07, 0.05])[0]
        order_id = f"o{i:05d}"
        lines = []
        for n, sku in enumerate(rnd.sample(list(SKUS), rnd.randint(1, 3))):
            name, price = SKUS[sku]
            qty = rnd.randint(1, 3)
            lines.append(
                {
                    "id": f"{order_id}-{n}",
                    "order_id": order_id,
                    "line_no": n + 1,
                    "sku": sku,
                    "name": name,
                    "quantity": qty,
                    "unit_price_fen": price,
                    "total_fen": qty * price,
                    "modifiers": [],
                    "station_codes": ["wok"],
                    "allergens": [],
                    "cancelled": rnd.random() < 0.05,
                }
            )
        subtotal = sum(line["total_fen"] for line in lines)
        lat, lon = (31.2 + rnd.random() * 0.05, 121.45 + rnd.random() * 0.05) if rnd.random() < 0.9 else (None, None)
        data.add(
            "orders",
            {
                "id": order_id,
                "store_id": store_id,
                "channel": "test",
                "external_id": order_id,
                "key_scope": "",
                "order_number": str(i),
                "customer_id": customer,
                "status": status,
                "fulfilment": "delivery",
                "subtotal_fen": subtotal,
                "delivery_fee_fen": 500,
                "discount_fen": 0,
                "total_fen": subtotal + 500,
                "currency": "CNY",
                "delivery_lat": lat,
                "delivery_lon": lon,
                "promised_at": placed + timedelta(minutes=45) if rnd.random() < 0.9 else None,
                "placed_at": placed,
                "updated_at": placed,
                "revision": 1,
            },
        )
        for line in lines:
            data.add("order_lines", line)
        rider = f"{store_id}-r{rnd.randrange(2)}" if status != "cancelled" else None
        picked = placed + timedelta(minutes=rnd.randint(10, 25))
        stage = {"delivered": "delivered", "failed": "failed", "picked_up": "picked_up", "cancelled": "cancelled"}[
            status
        ]
        data.add(
            "deliveries",
            {
                "order_id": order_id,
                "store_id": store_id,
                "rider_id": rider,
                "stage": stage,
                "code": "1234",
                "pinned": False,
                "picked_up_at": picked if status != "cancelled" else None,
                "delivered_at": picked + timedelta(minutes=rnd.randint(8, 40)) if status == "delivered" else None,
                "failed_at": picked + timedelta(minutes=20) if status == "failed" else None,
                "failure_reason": rnd.choice([*REASONS, None]) if status == "failed" else None,
                "updated_at": placed,
            },
        )
        for code in ("wok", "bar") if rnd.random() < 0.5 else ("wok",):
            sent = placed + timedelta(seconds=rnd.randint(5, 60))
            bumped = sent + timedelta(seconds=rnd.randint(60, 900)) if rnd.random() < 0.9 else None
            data.add(
                "kitchen_tickets",
                {
                    "ticket_id": f"{order_id}:{code}",
                    "order_id": order_id,
                    "store_id": store_id,
                    "station_code": code,
                    "revision": 1,
                    "created_at": placed,
                    "sent_at": sent,
                    "bumped_at": bumped,
                },
            )
    _campaigns(rnd, data, n_customers)
    return data


def _campaigns(rnd: random.Random, data: Generated, n_customers: int) -> None:
    """Two rules acting on customers over the period: messages sent or not, coupons redeemed or not."""
    data.add(
        "coupon_templates",
        {
            "id": "t10",
            "name": "10 off",
            "kind": "amount_off",
            "amount_off_fen": 1000,
            "valid_days": 30,
            "min_spend_fen": 0,
            "issued_count": 0,
            "active": True,
            "created_at": START,
            "updated_at": START,
        },
    )
    data.add(
        "message_templates",
        {"id": "m1", "name": "m", "subject": "", "body": "hi", "created_at": START, "updated_at": START},
    )
    span = (NOW - START).total_seconds()
    coupon_id = 0
    for rule in ("test-winback", "test-birthday"):
        data.add(
            "marketing_rules",
            {
                "id": rule,
                "name": rule.title(),
                "trigger": rule.removeprefix("test-"),
                "params": {},
                "audience": {},
                "coupon_template_id": "t10",
                "message_template_id": "m1",
                "channels": ["sms"],
                "cooldown_days": 0,
                "attribution_days": 14,
                "enabled": True,
                "created_at": START,
                "updated_at": START,
            },
        )
        for c in rnd.sample(range(n_customers), 70):
            customer = f"c{c:03d}"
            at = START + timedelta(seconds=rnd.uniform(0, span))
            data.add(
                "rule_actions",
                {
                    "rule_id": rule,
                    "customer_id": customer,
                    "period_key": "p",
                    "grant_key": f"{rule}:{c}",
                    "run_id": "run",
                    "at": at,
                    "attribution_until": at + timedelta(days=14),
                },
            )
            coupon_id += 1
            status = rnd.choice(["available", "redeemed", "void"])
            data.add(
                "coupons",
                {
                    "id": coupon_id,
                    "code": f"C{coupon_id:05d}",
                    "template_id": "t10",
                    "customer_id": customer,
                    "grant_key": f"{rule}:{c}",
                    "status": status,
                    "valid_from": at,
                    "valid_until": at + timedelta(days=30),
                    "granted_at": at,
                    "rule_id": rule,
                    "actor": "rule",
                },
            )
            data.add(
                "notifications",
                {
                    "customer_id": customer,
                    "channel": "sms",
                    "template_id": "m1",
                    "rule_id": rule,
                    "coupon_id": coupon_id,
                    "dedupe_key": f"{rule}:{c}",
                    "variables": {},
                    "status": rnd.choice(["sent", "sent", "queued", "suppressed"]),
                    "attempts": 1,
                    "next_attempt_at": at,
                    "created_at": at,
                    "sent_at": at,
                },
            )


ORDER = [
    "stores",
    "stations",
    "riders",
    "customers",
    "orders",
    "order_lines",
    "deliveries",
    "kitchen_tickets",
    "coupon_templates",
    "message_templates",
    "marketing_rules",
    "rule_actions",
    "coupons",
    "notifications",
]


def load(engine: Engine, data: Generated) -> None:
    with engine.begin() as conn:
        for name in ORDER:
            conn.execute(insert(metadata.tables[name]), data.rows[name])
