"""Segments: every customer has exactly one, computed in SQL exactly as the documented map says."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub.crm.config import CrmConfig
from hub.crm.segments import SEGMENT_GRID, Segment, recency_score, segment_for
from hub.crm.stats_tables import CustomerStats
from hub.customers.tables import Customer
from tests.hub.crm.builders import TZ, World, utc

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
    """Scores recomputed here from the orders themselves, by the documented rules (segments.py)."""
    rng = random.Random(7)
    store = world.store()
    ids = []
    placed_by: dict[str, list[tuple[datetime, int]]] = {}
    for i in range(240):
        customer = world.customer(phone=f"+86138{i:08d}", store_id=store)
        ids.append(customer)
        placed_by[customer] = []
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3, 5, 8])):
            placed = NOW - timedelta(days=rng.randint(0, 500), minutes=rng.randint(0, 1440))
            for _line in range(rng.choice([1, 1, 1, 2])):  # sometimes several lines on one visit
                total = rng.randint(800, 30000)
                world.order(customer, store, placed, total, event=False)
                placed_by[customer].append((placed, total))
    merged = world.customer(phone="+8613900000001", store_id=store)
    with world.db.session() as session:
        row = session.get(Customer, merged)
        assert row is not None
        row.merged_into_id = ids[0]
        session.commit()

    world.recompute(NOW)

    stats = {r.customer_id: r for r in world.rows(select(STATS))}
    assert set(stats) == set(ids), "one row per customer, none for the merged one"
    today = NOW.astimezone(ZoneInfo(TZ)).date()
    window_start = NOW - timedelta(days=365)

    def local_day(at: datetime) -> date:
        return at.astimezone(ZoneInfo(TZ)).date()

    figures = {}
    for customer, placed in placed_by.items():
        in_window = [(at, total) for at, total in placed if at >= window_start]
        figures[customer] = (
            len({local_day(at) for at, _ in placed}),
            len({local_day(at) for at, _ in in_window}),
            sum(total for _, total in in_window),
        )
    ranked = [f for f in figures.values() if f[1] > 0]
    quintiles = [0.2, 0.4, 0.6, 0.8]
    f_bounds = _quantile_values([f[1] for f in ranked], quintiles)
    m_bounds = _quantile_values([f[2] for f in ranked], quintiles)
    seen = Counter()
    for customer, s in stats.items():
        days, window_days, window_spend = figures[customer]
        assert (s.purchase_days, s.window_purchase_days, s.window_spend_fen) == (days, window_days, window_spend)
        if not placed_by[customer]:
            expected = Segment.PROSPECT
            assert (s.r_score, s.f_score, s.m_score) == (None, None, None)
        else:
            quiet = (today - max(local_day(at) for at, _ in placed_by[customer])).days
            r = 5 - sum(quiet >= t for t in (14, 30, 60, 90))  # fixed thresholds, not a rank
            # tied boundaries count once: a bin is never skipped; one purchase day is F=1
            f = 1 if window_days <= 1 else 1 + len({b for b in f_bounds if window_days > b})
            m = 1 if window_days == 0 else 1 + len({b for b in m_bounds if window_spend > b})
            assert r == recency_score(quiet, CrmConfig().recency_days)
            assert (s.r_score, s.f_score, s.m_score) == (r, f, m), customer
            expected = segment_for(r, f, m, returning=days > 1)
            if days == 1:
                assert expected is not Segment.CHAMPIONS
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
