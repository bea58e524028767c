"""The rollups behind sales, cohorts and riders equal the live queries after every refresh, on SQLite and
PostgreSQL; GET /analytics/sales reads changed days live until then; a bulk rewrite leaves PostgreSQL
its statistics. (Customers, products, the report and the kitchen: test_rollups_of_lines_and_tickets.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Engine

from hub.analytics import rollup
from hub.analytics.customer_rollup import rollup_retention_cohorts
from hub.analytics.jobs import refresh_analytics_rollups
from hub.analytics.operations_queries import RiderFigures, rider_performance
from hub.analytics.rider_rollup import rollup_rider_performance
from hub.analytics.rollup import daily, refresh_rollups, rollup_sales_by_day, state
from hub.analytics.sales_queries import retention_cohorts, sales_by_day
from hub.analytics.scope import Scope
from hub.app import create_app
from hub.customers.api import customers_table
from hub.db import Database
from hub.delivery.api import deliveries_table
from hub.kernel.roles import Role
from hub.orders.api import NOT_COUNTED_STATUSES, orders_table
from tests.hub.analytics.generated_data import NOW
from tests.hub.analytics.rollup_support import COHORT_SCOPES, SCOPES, refresh
from tests.hub.analytics.test_analytics_api import _user
from tests.hub.conftest import rest_settings
from tests.hub.seed import login


def _same(engine: Engine) -> None:
    with engine.connect() as conn:
        for scope in SCOPES:
            assert rollup_sales_by_day(conn, scope) == sales_by_day(conn, scope)


def _riders(figures: list[RiderFigures]) -> list[tuple[object, ...]]:
    """Everything a rider's figures say, the average to the millisecond (a sum of sums, not one AVG)."""
    return [
        (
            r.rider_id,
            r.store_id,
            r.deliveries,
            r.delivered,
            r.failed,
            r.on_time,
            r.promised,
            None if r.average_delivery_s is None else round(r.average_delivery_s, 3),
            r.failure_reasons,
        )
        for r in figures
    ]


def _cohorts_and_riders(engine: Engine) -> list[tuple[bool, bool]]:
    """Per scope: (cohorts from the rollups == live, riders from the rollup == live)."""
    with engine.connect() as conn:
        return [
            (
                rollup_retention_cohorts(conn, scope) == retention_cohorts(conn, scope),
                _riders(rollup_rider_performance(conn, scope)) == _riders(rider_performance(conn, scope)),
            )
            for scope in COHORT_SCOPES
        ]


def _all_same(engine: Engine) -> None:
    _same(engine)
    assert _cohorts_and_riders(engine) == [(True, True)] * len(COHORT_SCOPES)


def test_the_rollup_follows_new_cancelled_and_changed_orders(engine: Engine) -> None:
    with engine.begin() as conn:
        assert refresh_rollups(conn, now=NOW) > 100
    _same(engine)
    with engine.begin() as conn:
        assert refresh_rollups(conn, now=NOW) < 20  # nothing changed: only the margin is read again
    o = orders_table
    later = NOW + timedelta(hours=1)
    with engine.begin() as conn:
        first, second = conn.execute(
            select(o.c.id).where(o.c.status == "delivered").order_by(o.c.id).limit(2)
        ).scalars()
        conn.execute(update(o).where(o.c.id == first).values(status="cancelled", updated_at=later))
        conn.execute(update(o).where(o.c.id == second).values(total_fen=123, updated_at=later))
        row = dict(conn.execute(select(o).where(o.c.id == second)).mappings().one())
        row.update(id="late-order", external_id="late-order", placed_at=NOW - timedelta(days=40), updated_at=later)
        conn.execute(insert(o).values(row))
    with engine.connect() as conn:
        assert rollup_sales_by_day(conn, SCOPES[0]) != sales_by_day(conn, SCOPES[0])
    with engine.begin() as conn:
        refresh_rollups(conn, now=later)
    _all_same(engine)


def test_the_cohort_and_rider_rollups_follow_changed_deliveries_cancelled_and_new_orders(engine: Engine) -> None:
    """Each change leaves the rollups stale until the next refresh, which brings them back to the live figures."""
    assert refresh(engine, NOW) > 100
    _all_same(engine)
    o, d = orders_table, deliveries_table
    la_march = (o.c.store_id == "la") & (o.c.placed_at >= datetime(2026, 3, 5, tzinfo=UTC))
    la_march &= o.c.placed_at < datetime(2026, 3, 25, tzinfo=UTC)

    later = NOW + timedelta(hours=1)  # a delivery handed to the other rider: the order itself is untouched
    with engine.begin() as conn:
        handed = conn.execute(
            select(d.c.order_id)
            .join(o, o.c.id == d.c.order_id)
            .where(la_march, d.c.stage == "delivered", d.c.rider_id == "la-r0")
            .order_by(d.c.order_id)
            .limit(1)
        ).scalar_one()
        conn.execute(update(d).where(d.c.order_id == handed).values(rider_id="la-r1", updated_at=later))
    assert [riders for _, riders in _cohorts_and_riders(engine)][:2] == [False, False]
    assert refresh(engine, later) < 20
    _all_same(engine)

    later += timedelta(hours=1)  # a delivery that fails after all (the order fails with it)
    with engine.begin() as conn:
        failing = conn.execute(
            select(d.c.order_id)
            .join(o, o.c.id == d.c.order_id)
            .where(la_march, d.c.stage == "delivered", d.c.order_id != handed)
            .order_by(d.c.order_id)
            .limit(1)
        ).scalar_one()
        conn.execute(
            update(d)
            .where(d.c.order_id == failing)
            .values(stage="failed", delivered_at=None, failed_at=later, failure_reason="refused", updated_at=later)
        )
        conn.execute(update(o).where(o.c.id == failing).values(status="failed", updated_at=later))
    assert [riders for _, riders in _cohorts_and_riders(engine)][:2] == [False, False]
    refresh(engine, later)
    _all_same(engine)

    later += timedelta(hours=1)  # cancelled: every order of a customer's first month but not the later ones
    with engine.begin() as conn:
        counted = o.c.status.not_in(NOT_COUNTED_STATUSES)
        march, april = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
        moving = conn.execute(
            select(o.c.customer_id)
            .where(o.c.customer_id.is_not(None), counted)
            .group_by(o.c.customer_id)
            .having(func.min(o.c.placed_at) >= march, func.min(o.c.placed_at) < april - timedelta(days=7))
            .having(func.max(o.c.placed_at) >= april + timedelta(days=1))
            .order_by(o.c.customer_id)
            .limit(1)
        ).scalar_one()
        conn.execute(
            update(o)
            .where(o.c.customer_id == moving, o.c.placed_at < april)
            .values(status="cancelled", updated_at=later)
        )
    assert _cohorts_and_riders(engine)[0][0] is False  # their first day moved to April: another cohort
    refresh(engine, later)
    _all_same(engine)

    later += timedelta(hours=1)  # a new customer's first orders, and an old customer's order on an earlier day
    with engine.begin() as conn:
        conn.execute(
            insert(customers_table).values(
                id="c-new", display_name="", home_store_id="sh", created_at=later, updated_at=later
            )
        )
        template = dict(
            conn.execute(select(o).where(o.c.status == "delivered").order_by(o.c.id).limit(1)).mappings().one()
        )
        returning = conn.execute(
            select(o.c.customer_id)
            .where(o.c.customer_id.is_not(None))
            .group_by(o.c.customer_id)
            .having(func.min(o.c.placed_at) >= datetime(2026, 4, 2, tzinfo=UTC))
            .order_by(o.c.customer_id)
            .limit(1)
        ).scalar_one()
        for n, (store, customer, placed) in enumerate(
            [
                ("sh", "c-new", datetime(2026, 4, 10, 3, tzinfo=UTC)),
                ("sh", "c-new", datetime(2026, 4, 12, 3, tzinfo=UTC)),
                ("la", returning, datetime(2026, 3, 20, 20, tzinfo=UTC)),  # chain-wide no longer new in April
            ]
        ):
            conn.execute(
                insert(o).values(
                    {
                        **template,
                        "id": f"new-{n}",
                        "external_id": f"new-{n}",
                        "store_id": store,
                        "customer_id": customer,
                        "placed_at": placed,
                        "updated_at": later,
                    }
                )
            )
    stale = [cohorts for cohorts, _ in _cohorts_and_riders(engine)]
    assert (stale[0], stale[2], stale[3]) == (False, False, False)
    refresh(engine, later)
    _all_same(engine)
    with engine.connect() as conn:
        april = rollup_retention_cohorts(conn, COHORT_SCOPES[3])
    assert {c.cohort for c in april} == {"2026-04"} and all(c.customers > 0 for c in april)


def _rollup_rows(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return (
            [tuple(r) for r in conn.execute(select(daily).order_by(daily.c.store_id, daily.c.day))],
            [tuple(r) for r in conn.execute(select(state))],
        )


def test_get_sales_writes_nothing_reads_changed_days_live_and_says_when_it_is_not_live(
    engine: Engine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    march = Scope(None, date(2026, 3, 1), date(2026, 3, 31))
    days = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    with TestClient(create_app(rest_settings(url, tmp_path, analytics_live_days_max=50))) as client:
        client.app.state.ctx.clock = lambda: NOW  # type: ignore[attr-defined]
        admin = login(client, _user(url, Role.ADMIN))
        with engine.connect() as conn:
            live_orders = sum(d.orders for d in sales_by_day(conn, march))

        never = client.get("/analytics/sales", params=days, headers=admin).json()  # ~120 store days: too many
        assert (never["rollup"]["refreshed_at"], never["rollup"]["live"], never["orders"]) == (None, False, 0)
        assert never["rollup"]["changed_days"] > 50
        assert _rollup_rows(engine) == ([], [])  # the GET built nothing

        assert refresh_analytics_rollups(Database.from_url(url), NOW)
        fresh = client.get("/analytics/sales", params=days, headers=admin).json()
        assert fresh["rollup"]["live"] is True and fresh["rollup"]["refreshed_at"].startswith("2026-04-20")
        assert fresh["orders"] == live_orders > 0
        built = _rollup_rows(engine)

        o = orders_table
        mid_march = (o.c.placed_at >= datetime(2026, 3, 10, tzinfo=UTC)) & (
            o.c.placed_at < datetime(2026, 3, 20, tzinfo=UTC)
        )
        later = NOW + timedelta(hours=1)
        with engine.begin() as conn:
            first = conn.execute(select(o.c.id).where(o.c.status == "delivered", mid_march).limit(1)).scalar_one()
            conn.execute(update(o).where(o.c.id == first).values(status="cancelled", updated_at=later))
        changed = client.get("/analytics/sales", params=days, headers=admin).json()
        assert changed["rollup"]["live"] is True and changed["orders"] == live_orders - 1
        assert _rollup_rows(engine) == built  # read from the orders, written nowhere

        with engine.begin() as conn:  # a bulk change: every order touched
            conn.execute(update(o).values(updated_at=later))
        bulk = client.get("/analytics/sales", params=days, headers=admin).json()
        assert bulk["rollup"]["live"] is False and bulk["orders"] == live_orders  # the rollup as refreshed
        refreshed = client.post("/analytics/sales/refresh", headers=admin)
        assert refreshed.status_code == 200 and refreshed.json()["rewritten_days"] > 50
        after = client.get("/analytics/sales", params=days, headers=admin).json()
        assert after["rollup"]["live"] is True and after["orders"] == live_orders - 1


def test_a_bulk_rewrite_leaves_postgres_statistics_on_the_rollup_tables(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without them (autovacuum may be off or late) the planner read purchase days by the wrong index at 1M orders."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr(rollup, "ANALYZE_AFTER", 100)
    assert refresh(engine, NOW) >= 100
    with engine.connect() as conn:
        analyzed = conn.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(rollup.ROLLUP_TABLES)},
        ).all()
    assert len(analyzed) == len(rollup.ROLLUP_TABLES) and all(n > 0 for _, n in analyzed)
