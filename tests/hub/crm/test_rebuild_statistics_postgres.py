"""A full rebuild leaves PostgreSQL knowing what it just wrote (planner statistics), so the statements
after it in the same job are planned for the real table sizes, not for empty tables.

At 1M customers the rule tags' anti-joins, planned for empty tables, ran for hours (BENCHMARKS.md).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from hub.db import Database
from tests.hub.crm.builders import World, utc

pytestmark = pytest.mark.integration
NOW = utc(2025, 6, 30, 4, 0)


def _reltuples(world: World, table: str) -> float:
    with world.db.engine.connect() as conn:
        return float(conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar_one())


def test_a_full_rebuild_analyzes_the_tables_it_filled(pg_fresh_url: str) -> None:
    db = Database.from_url(pg_fresh_url, pool_size=2)
    try:
        world = World(db)
        store = world.store()
        for n in range(3):
            customer = world.customer(phone=f"+86138000000{n:02d}", store_id=store)
            world.order(customer, store, NOW - timedelta(days=n + 1))
        assert _reltuples(world, "customer_stats") == -1, "never analyzed yet (PostgreSQL 14+)"
        world.recompute(NOW, full=True)
        assert _reltuples(world, "customer_stats") == 3
        assert _reltuples(world, "customer_tags") >= 0
    finally:
        db.dispose()
