"""The order feed: at least once, nothing twice, and no event skipped when transactions commit out of order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.crm.config import put_state
from hub.crm.stats_tables import CustomerStats
from hub.db import Database
from hub.db_types import new_id
from hub.loyalty.ledger import balance
from hub.loyalty.tables import PointsAccount, PointsEntry
from hub.marketing.order_feed import FEED_KEY
from hub.orders.service import record_event
from hub.orders.tables import Order
from tests.hub.crm.builders import World, utc
from tests.hub.seed import SeededStore, order_body

pytestmark = pytest.mark.integration
LEDGER = PointsEntry.__table__  # type: ignore[attr-defined]
ACCOUNTS = PointsAccount.__table__  # type: ignore[attr-defined]
STATS = CustomerStats.__table__  # type: ignore[attr-defined]
NOW = utc(2025, 6, 30, 4, 0)


def _points(world: World, customer: str) -> int:
    with world.db.session() as session:
        return balance(session, customer)


def test_an_event_that_commits_after_a_later_one_is_still_handled(pg_fresh_url: str) -> None:
    world = World(Database.from_url(pg_fresh_url))
    store = world.store()
    slow, fast = (
        world.customer(phone="+8613400000001", store_id=store),
        world.customer(phone="+8613400000002", store_id=store),
    )
    pending = world.db.sessions()  # a transaction that takes an event id, then commits late
    order_id = new_id()
    pending.add(
        Order(
            id=order_id,
            store_id=store,
            channel="test",
            external_id=order_id,
            order_number="SLOW",
            customer_id=slow,
            status="received",
            subtotal_fen=9900,
            total_fen=9900,
            placed_at=NOW,
        )
    )
    pending.flush()
    record_event(pending, order_id, "order.placed", actor="test", at=NOW)
    pending.flush()
    world.order(fast, store, NOW, 5000)

    world.feed(NOW)
    assert (_points(world, slow), _points(world, fast)) == (0, 50)
    pending.commit()
    pending.close()
    world.feed(NOW)
    assert (_points(world, slow), _points(world, fast)) == (99, 50), "the gap was read again"
    world.db.dispose()


def test_replaying_every_event_changes_nothing(world: World) -> None:
    store = world.store()
    customers = [world.customer(phone=f"+86134000001{i:02d}", store_id=store) for i in range(5)]
    orders = [world.order(c, store, NOW - timedelta(days=i), 3000 + i * 1000) for i, c in enumerate(customers)]
    world.event(orders[0], "order.refunded", {"amount_fen": 1500})
    world.event(orders[1], "order.status_changed", {"from": "received", "to": "cancelled"})
    world.feed(NOW)
    ledger = sorted((r.key, r.delta) for r in world.rows(select(LEDGER.c.key, LEDGER.c.delta)))
    accounts = sorted(world.rows(select(ACCOUNTS.c.customer_id, ACCOUNTS.c.balance)))
    stats = sorted(world.rows(select(STATS.c.customer_id, STATS.c.orders_count, STATS.c.spend_fen)))
    assert ("refund:" in " ".join(k for k, _ in ledger)) and any(k.startswith("reverse:") for k, _ in ledger)

    with world.db.session() as session:
        put_state(session, FEED_KEY, {"last_id": 0, "gaps": []})
        session.commit()
    assert world.feed(NOW) == 5 + 2
    assert sorted((r.key, r.delta) for r in world.rows(select(LEDGER.c.key, LEDGER.c.delta))) == ledger
    assert sorted(world.rows(select(ACCOUNTS.c.customer_id, ACCOUNTS.c.balance))) == accounts
    assert sorted(world.rows(select(STATS.c.customer_id, STATS.c.orders_count, STATS.c.spend_fen))) == stats
    total = world.scalar(select(func.sum(LEDGER.c.delta)))
    assert total == sum(b for _, b in accounts)


def test_merging_customers_moves_points_coupons_tags_and_figures(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    world = World(client.app.state.ctx.db)  # type: ignore[attr-defined]
    by_phone = client.post(
        "/orders", json=order_body(store.store_id, customer={"phone": "13300001111"}), headers=admin_headers
    )
    by_member = client.post(
        "/orders", json=order_body(store.store_id, customer={"member_id": "M-77"}), headers=admin_headers
    )
    target, source = by_phone.json()["customer_id"], by_member.json()["customer_id"]
    world.feed()
    client.put(f"/customers/{source}/tags/老客", headers=admin_headers)
    grant = client.post(
        "/coupon-templates/tpl-late/grants", json={"customer_id": source, "key": "x"}, headers=admin_headers
    )
    assert grant.status_code == 201, grant.text

    merged = client.post(f"/customers/{target}/merge", json={"source_customer_id": source}, headers=admin_headers)
    assert merged.status_code == 200, merged.text
    view = client.get(f"/customers/{target}/360", headers=admin_headers).json()
    assert view["points_balance"] == 2 * 136
    assert [c["code"] for c in view["coupons"]] == [grant.json()["code"]]
    assert [t["tag"] for t in view["tags"]] == ["老客"]
    assert view["stats"]["orders_count"] == 2
    points = client.get(f"/customers/{target}/points", headers=admin_headers).json()
    assert points["balance"] == sum(e["delta"] for e in points["entries"])
    assert world.count(STATS, STATS.c.customer_id == source) == 0
    figures = world.rows(select(STATS.c.orders_count).where(STATS.c.customer_id == target))
    assert figures[0].orders_count == 2
