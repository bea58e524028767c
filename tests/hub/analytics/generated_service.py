"""Generated subscription terms and service tickets for the renewal-rate and SLA-compliance tests.

Terms end around the stores' local "today" (Shanghai is already a day ahead of Los Angeles at
``AS_OF``), some renewed (a few automatically), some left to run out. Tickets open close to local
midnight, in both stores and with no store; some breach one or two targets, some only escalate.
Added to the sales data of ``generated_data`` (its stores and customers).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from hub.tables import metadata
from tests.hub.analytics.generated_data import START, STORES, Generated

AS_OF = datetime(2026, 4, 20, 17, 0, tzinfo=UTC)
"""01:00 on 21 April in Shanghai, 10:00 on 20 April in Los Angeles."""
TARGETS = ["first_response", "resolution", "compensation"]
ORDER = ["subscription_plans", "subscriptions", "subscription_terms", "service_tickets", "service_sla_events"]


def add_subscriptions_and_tickets(data: Generated, seed: int = 11, n_subs: int = 120, n_tickets: int = 300) -> None:
    rnd = random.Random(seed)
    customers = [c["id"] for c in data.rows["customers"]]
    data.add(
        "subscription_plans",
        {
            "id": "gen-milk",
            "name": "鲜奶",
            "kind": "monthly",
            "price_fen": 36000,
            "spec": {},
            "active": True,
            "created_at": START,
            "updated_at": START,
        },
    )
    for i in range(n_subs):
        sub_id, store = f"sub-{i:04d}", rnd.choice(list(STORES))
        start = date(2026, 1, 1) + timedelta(days=rnd.randrange(0, 100))
        data.add(
            "subscriptions",
            {
                "id": sub_id,
                "customer_id": rnd.choice(customers),
                "store_id": store,
                "plan_id": "gen-milk",
                "start": start,
                "facts": {},
                "cancel_reason": "",
                "created_at": START,
                "updated_at": START,
            },
        )
        term_start = start
        for seq in range(rnd.randint(1, 4)):
            end = term_start + timedelta(days=rnd.choice([6, 29, 30, 90]))
            data.add(
                "subscription_terms",
                {
                    "subscription_id": sub_id,
                    "seq": seq,
                    "store_id": store,
                    "customer_id": "c000",
                    "plan_id": "gen-milk",
                    "term_start": term_start,
                    "term_end": end,
                    "automatic": seq > 0 and rnd.random() < 0.4,
                },
            )
            term_start = end + timedelta(days=1)
    for i in range(n_tickets):
        store = rnd.choice([*STORES, None])
        opened = START + timedelta(
            days=rnd.randrange(0, 60), hours=rnd.choice([15, 16, 7, 8]), minutes=rnd.randrange(60)
        )
        ticket_id = f"tk-{i:04d}"
        data.add(
            "service_tickets",
            {
                "id": ticket_id,
                "store_id": store,
                "kind": "complaint",
                "category": "missed_delivery",
                "priority": "normal",
                "channel": "staff",
                "status": "open",
                "summary": "牛奶漏送",
                "created_by": "staff:gen",
                "created_at": opened,
                "updated_at": opened,
            },
        )
        for target in rnd.sample(TARGETS, rnd.choice([0, 0, 1, 1, 2])):
            kind = rnd.choice(["breached", "breached", "escalated"])
            data.add(
                "service_sla_events",
                {
                    "key": f"{ticket_id}/{target}/{kind}",
                    "ticket_id": ticket_id,
                    "target": target,
                    "kind": kind,
                    "at": opened + timedelta(hours=1),
                    "recorded_at": opened + timedelta(hours=1),
                    "actor": "system",
                },
            )


def load_subscriptions_and_tickets(engine: Engine, data: Generated) -> None:
    with engine.begin() as conn:
        for name in ORDER:
            conn.execute(insert(metadata.tables[name]), data.rows[name])
