"""The areas' rollup: equal to the live query after the first build and after each refresh, stale in between;
a cell's customers stay distinct over the window's days and stores; orders with no customer count as orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from hub.analytics.area_rollup import rollup_customers_by_area
from hub.analytics.catalogue_queries import customers_by_area
from hub.analytics.rollup import refresh_rollups
from hub.analytics.scope import Scope
from hub.orders.api import orders_table
from tests.hub.analytics.generated_data import NOW
from tests.hub.analytics.rollup_support import COHORT_SCOPES, refresh
from tests.hub.seed import SeededStore, order_body

AREA_SCOPES = [*COHORT_SCOPES, Scope(("la", "sh"), date(2026, 3, 1), date(2026, 4, 19))]
CHAIN_MARCH = Scope(None, date(2026, 3, 1), date(2026, 3, 31))
FAR = (30.005, 120.005)
"""A drop-off in a cell no generated order has (lat 30.00, lon 120.00)."""


def _same(engine: Engine) -> list[bool]:
    """Per scope: every cell from the rollup == from the orders, and the top five in the same order."""
    with engine.connect() as conn:
        return [
            rollup_customers_by_area(conn, scope, limit) == customers_by_area(conn, scope, limit)
            for scope in AREA_SCOPES
            for limit in (1000, 5)
        ]


def _cell(engine: Engine, scope: Scope, area: str) -> tuple[int, int, int] | None:
    with engine.connect() as conn:
        found = [a for a in rollup_customers_by_area(conn, scope, 1000) if a.area == area]
    return (found[0].customers, found[0].orders, found[0].revenue_fen) if found else None


def _area(lat: float, lon: float) -> str:
    return f"{int(lat / 0.01) * 0.01:.2f},{int(lon / 0.01) * 0.01:.2f}"


def test_the_area_rollup_follows_cancelled_moved_and_new_orders(engine: Engine) -> None:
    assert refresh(engine, NOW) > 100
    assert all(_same(engine))
    o = orders_table
    in_march = (o.c.placed_at >= datetime(2026, 3, 5, tzinfo=UTC)) & (o.c.placed_at < datetime(2026, 3, 25, tzinfo=UTC))
    delivered = in_march & (o.c.status == "delivered") & o.c.customer_id.is_not(None) & o.c.delivery_lat.is_not(None)

    later = NOW + timedelta(hours=1)  # one order cancelled, another's drop-off moved far away
    with engine.begin() as conn:
        cancelled, moved = conn.execute(select(o.c.id).where(delivered).order_by(o.c.id).limit(2)).scalars()
        conn.execute(update(o).where(o.c.id == cancelled).values(status="cancelled", updated_at=later))
        conn.execute(
            update(o).where(o.c.id == moved).values(delivery_lat=FAR[0], delivery_lon=FAR[1], updated_at=later)
        )
        template: dict[str, Any] = dict(conn.execute(select(o).where(o.c.id == moved)).mappings().one())
    assert _same(engine)[0] is False  # chain-wide, every cell: stale until the refresh
    assert 0 < refresh(engine, later) < 20
    assert all(_same(engine))
    far = _area(*FAR)
    assert _cell(engine, CHAIN_MARCH, far) == (1, 1, template["total_fen"])

    later += timedelta(hours=1)  # the same customer again in that cell, a day later in the other store
    other_store = "sh" if template["store_id"] == "la" else "la"
    again = {
        **template,
        "id": "again",
        "external_id": "again",
        "store_id": other_store,
        "placed_at": template["placed_at"] + timedelta(days=1),
        "total_fen": 1000,
        "updated_at": later,
    }
    anonymous = {**again, "id": "anonymous", "external_id": "anonymous", "customer_id": None, "total_fen": 700}
    with engine.begin() as conn:
        conn.execute(insert(o).values(again))
        conn.execute(insert(o).values(anonymous))  # and an order with no customer there
    assert _cell(engine, CHAIN_MARCH, far) == (1, 1, template["total_fen"])
    refresh(engine, later)
    assert all(_same(engine))
    assert _cell(engine, CHAIN_MARCH, far) == (1, 3, template["total_fen"] + 1700)  # one customer, three orders
    one_store = Scope((other_store,), CHAIN_MARCH.day_from, CHAIN_MARCH.day_to)
    assert _cell(engine, one_store, far) == (1, 2, 1700)

    later += timedelta(hours=1)  # the drop-off position dropped from the first one: that order leaves the cell
    with engine.begin() as conn:
        conn.execute(update(o).where(o.c.id == moved).values(delivery_lat=None, delivery_lon=None, updated_at=later))
    refresh(engine, later)
    assert all(_same(engine))
    assert _cell(engine, CHAIN_MARCH, far) == (1, 2, 1700)


def test_a_customer_merge_and_an_erasure_reach_the_area_rollup(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    """Both change orders (their customer, their drop-off) through the CRM, which stamps them updated."""
    engine = client.app.state.ctx.db.engine  # type: ignore[attr-defined]
    ever = Scope(None, date(2000, 1, 1), date(2100, 12, 31))

    def refreshed() -> list[tuple[int, int]]:
        with engine.begin() as conn:
            refresh_rollups(conn, now=NOW)
        with engine.connect() as conn:
            cells = rollup_customers_by_area(conn, ever)
            assert cells == customers_by_area(conn, ever)
        return [(a.customers, a.orders) for a in cells]

    placed = [
        client.post("/orders", json=order_body(store.store_id, customer={"phone": p}), headers=admin_headers).json()
        for p in ("13812345678", "13987654321")
    ]
    assert refreshed() == [(2, 2)]  # one drop-off cell, two customers
    with engine.begin() as conn:  # as if placed long before the watermark: only a change brings them back
        conn.execute(update(orders_table).values(updated_at=datetime(2020, 1, 1, tzinfo=UTC)))
    assert refreshed() == [(2, 2)]
    target, source = (o["customer_id"] for o in placed)
    merged = client.post(f"/customers/{target}/merge", json={"source_customer_id": source}, headers=admin_headers)
    assert merged.status_code == 200, merged.text
    assert refreshed() == [(1, 2)]
    erased = client.post(f"/customers/{target}/erase", headers=admin_headers)
    assert erased.status_code == 200, erased.text
    assert refreshed() == []  # their drop-offs are gone from the rollup too
