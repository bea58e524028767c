"""Segments: every customer has exactly one, computed in SQL exactly as the documented map says."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.crm.config import CrmConfig
from hub.crm.segments import SEGMENT_GRID, Segment, quantile_score, segment_for
from hub.crm.stats_tables import CustomerStats
from hub.crm.tables import Customer
from tests.hub.crm.builders import World, utc

pytestmark = pytest.mark.integration
NOW = utc(2025, 6, 30, 4, 0)
STATS = CustomerStats.__table__  # type: ignore[attr-defined]


def test_the_segment_map_has_one_segment_per_cell_and_uses_all_eleven() -> None:
    cells = [(r, fm) for r in range(1, 6) for fm in range(1, 6)]
    assigned = {cell: SEGMENT_GRID[cell[0]][cell[1] - 1] for cell in cells}
    assert len(assigned) == 25
    assert set(assigned.values()) == set(Segment) - {Segment.PROSPECT}
    assert segment_for(None, None, None) is Segment.PROSPECT
    assert segment_for(5, 5, 5) is Segment.CHAMPIONS
    assert segment_for(1, 5, 5) is Segment.CANNOT_LOSE_THEM
    assert segment_for(1, 1, 1) is Segment.LOST
    assert segment_for(5, 1, 1) is Segment.NEW


def _quantile_values(values: list[float], quantiles: list[float]) -> list[float]:
    ordered = sorted(values)
    n = len(ordered)
    out = []
    for q in quantiles:
        k = max(1, -(-round(q * n * 1e6) // 1_000_000))  # ceil(q * n) without float surprises
        out.append(ordered[min(n, k) - 1])
    return out


def test_every_customer_gets_exactly_the_segment_the_map_gives(world: World) -> None:
    rng = random.Random(7)
    store = world.store()
    ids = []
    for i in range(240):
        customer = world.customer(phone=f"+86138{i:08d}", store_id=store)
        ids.append(customer)
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3, 5, 8])):
            placed = NOW - timedelta(days=rng.randint(0, 500), minutes=rng.randint(0, 1440))
            world.order(customer, store, placed, rng.randint(800, 30000), event=False)
    merged = world.customer(phone="+8613900000001", store_id=store)
    with world.db.session() as session:
        row = session.get(Customer, merged)
        assert row is not None
        row.merged_into_id = ids[0]
        session.commit()

    world.recompute(NOW)

    stats = {r.customer_id: r for r in world.rows(select(STATS))}
    assert set(stats) == set(ids), "one row per customer, none for the merged one"
    with_orders = [s for s in stats.values() if s.orders_count > 0]
    quintiles = [0.2, 0.4, 0.6, 0.8]
    bounds = {
        "r": _quantile_values([s.last_order_at.timestamp() for s in with_orders], quintiles),
        "f": _quantile_values([s.window_orders for s in with_orders], quintiles),
        "m": _quantile_values([s.window_spend_fen for s in with_orders], quintiles),
    }
    seen = Counter()
    for s in stats.values():
        if s.orders_count == 0:
            expected = Segment.PROSPECT
            assert (s.r_score, s.f_score, s.m_score) == (None, None, None)
        else:
            r = quantile_score(s.last_order_at.timestamp(), bounds["r"])
            f = quantile_score(s.window_orders, bounds["f"])
            m = quantile_score(s.window_spend_fen, bounds["m"])
            assert (s.r_score, s.f_score, s.m_score) == (r, f, m)
            expected = segment_for(r, f, m)
        assert s.segment == expected.value
        seen[s.segment] += 1
    assert sum(seen.values()) == len(ids)
    assert len(seen) >= 8, f"the data should spread over most segments: {seen}"


def test_tiers_follow_spend_over_the_rolling_window(world: World) -> None:
    store = world.store()
    silver, gold, lapsed, member = (world.customer(phone=f"+8613700000{i:03d}", store_id=store) for i in range(4))
    world.order(silver, store, NOW - timedelta(days=10), 50_000)
    world.order(gold, store, NOW - timedelta(days=10), 150_000)
    world.order(gold, store, NOW - timedelta(days=300), 60_000)
    world.order(lapsed, store, NOW - timedelta(days=400), 900_000)  # outside the 12 months
    world.order(member, store, NOW - timedelta(days=1), 49_999)
    world.recompute(NOW)
    tiers = {r.customer_id: r.tier for r in world.rows(select(STATS))}
    assert tiers == {silver: "silver", gold: "gold", lapsed: "member", member: "member"}
    # 70 days later the 300-day-old order has left the 365-day window: 150,000 fen is silver
    world.recompute(NOW + timedelta(days=70))
    assert world.scalar(select(CustomerStats.tier).where(CustomerStats.customer_id == gold)) == "silver"


def test_lifecycle_new_active_dormant_churned_and_prospect(world: World) -> None:
    store = world.store()
    config = CrmConfig()
    new, active, dormant, churned, prospect = (
        world.customer(phone=f"+8613600000{i:03d}", store_id=store) for i in range(5)
    )
    world.order(new, store, NOW - timedelta(days=3))
    world.order(active, store, NOW - timedelta(days=200))
    world.order(active, store, NOW - timedelta(days=5))
    world.order(dormant, store, NOW - timedelta(days=config.dormant_days + 2))
    world.order(churned, store, NOW - timedelta(days=config.churned_days + 2))
    world.recompute(NOW)
    states = {r.customer_id: r.lifecycle for r in world.rows(select(STATS))}
    assert states == {new: "new", active: "active", dormant: "dormant", churned: "churned", prospect: "prospect"}


def test_rule_tags_come_and_go_with_the_data(world: World) -> None:
    from hub.crm.profile_tables import CustomerTag

    tags = CustomerTag.__table__  # type: ignore[attr-defined]
    store = world.store()
    owl = world.customer(phone="+8613500009999", store_id=store)
    for day in (3, 2, 1):  # 22:30 in Shanghai is 14:30 UTC
        world.order(owl, store, utc(2025, 6, 30 - day, 14, 30))
    world.recompute(NOW)
    assert [r.tag for r in world.rows(select(tags.c.tag).where(tags.c.customer_id == owl))] == ["night_owl"]
    for hour in (4, 5, 6, 7):  # lunchtime orders: the night share drops under 50%
        world.order(owl, store, utc(2025, 6, 30, hour, 0))
    world.feed(NOW)
    assert world.rows(select(tags.c.tag).where(tags.c.customer_id == owl)) == []
