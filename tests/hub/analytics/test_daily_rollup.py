"""The rollups (sales, cohorts, riders, kitchen) equal the live queries after every refresh, on SQLite and
PostgreSQL; the customers' figures and the product ranking, which have no live query, move with changed
orders; a custom report reads the same rows from the rollups as from the orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import Engine

from hub.analytics import rollup
from hub.analytics.customer_rollup import rollup_customer_figures, rollup_retention_cohorts
from hub.analytics.jobs import refresh_analytics_rollups
from hub.analytics.operations_queries import RiderFigures, StationFigures, kitchen_times, rider_performance
from hub.analytics.product_rollup import rollup_product_ranking
from hub.analytics.report_query import ReportSpec, run_report
from hub.analytics.report_rollup import rollup_report_query
from hub.analytics.rider_rollup import rollup_rider_performance
from hub.analytics.rollup import daily, refresh_rollups, rollup_sales_by_day, state
from hub.analytics.sales_queries import retention_cohorts, sales_by_day
from hub.analytics.scope import Scope
from hub.analytics.station_rollup import rollup_kitchen_times
from hub.app import create_app
from hub.customers.api import customers_table
from hub.db import Database
from hub.delivery.api import deliveries_table
from hub.kernel.roles import Role
from hub.kitchen.api import kitchen_tickets_table
from hub.orders.api import NOT_COUNTED_STATUSES, order_lines_table, orders_table
from hub.stores.api import stations_table
from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics.generated_data import NOW, generate, load
from tests.hub.analytics.test_analytics_api import _user
from tests.hub.conftest import rest_settings
from tests.hub.seed import login

SCOPES = [Scope(None, date(2026, 2, 19), date(2026, 4, 21)), Scope(("la",), date(2026, 3, 1), date(2026, 3, 31))]
COHORT_SCOPES = [
    *SCOPES,
    Scope(None, date(2026, 3, 12), date(2026, 4, 21)),
    Scope(("sh",), date(2026, 4, 1), date(2026, 4, 21)),
]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        e = create_engine(sqlite_database(tmp_path))
        load(e, generate())
        yield e
        e.dispose()
        return
    with postgres_database() as url:
        e = create_engine(url)
        load(e, generate())
        yield e
        e.dispose()


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


def _refresh(engine: Engine, now: datetime) -> int:
    with engine.begin() as conn:
        return refresh_rollups(conn, now=now)


def test_the_cohort_and_rider_rollups_follow_changed_deliveries_cancelled_and_new_orders(engine: Engine) -> None:
    """Each change leaves the rollups stale until the next refresh, which brings them back to the live figures."""
    assert _refresh(engine, NOW) > 100
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
    assert _refresh(engine, later) < 20
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
    _refresh(engine, later)
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
    _refresh(engine, later)
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
    _refresh(engine, later)
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
    assert _refresh(engine, NOW) >= 100
    with engine.connect() as conn:
        analyzed = conn.execute(
            text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(rollup.ROLLUP_TABLES)},
        ).all()
    assert len(analyzed) == len(rollup.ROLLUP_TABLES) and all(n > 0 for _, n in analyzed)


def _products(engine: Engine, scope: Scope) -> dict[str, tuple[int, int, int]]:
    """The ranking from the rollup, every product: sku -> (quantity, orders, revenue)."""
    with engine.connect() as conn:
        return {p.sku: (p.quantity, p.orders, p.revenue_fen) for p in rollup_product_ranking(conn, scope, limit=500)}


def test_the_product_rollup_follows_a_cancelled_order_and_an_added_line(engine: Engine) -> None:
    """Each change leaves the ranking as it was until the next refresh, which moves exactly the changed figures."""
    _refresh(engine, NOW)
    o, line = orders_table, order_lines_table
    march = SCOPES[1]  # la, March
    in_march = (o.c.store_id == "la") & (o.c.placed_at >= datetime(2026, 3, 10, tzinfo=UTC))
    in_march &= o.c.placed_at < datetime(2026, 3, 20, tzinfo=UTC)
    before = _products(engine, march)

    later = NOW + timedelta(hours=1)  # cancelled: its lines leave the ranking
    with engine.begin() as conn:
        cancelled = conn.execute(
            select(o.c.id).where(in_march, o.c.status == "delivered").order_by(o.c.id).limit(1)
        ).scalar_one()
        its_lines = conn.execute(
            select(line.c.sku, line.c.quantity, line.c.total_fen).where(
                line.c.order_id == cancelled, line.c.cancelled.is_(False)
            )
        ).all()
        conn.execute(update(o).where(o.c.id == cancelled).values(status="cancelled", updated_at=later))
    assert its_lines and _products(engine, march) == before
    _refresh(engine, later)
    expected = dict(before)
    for sku, quantity, total in its_lines:
        q, n, r = expected[sku]
        expected[sku] = (q - quantity, n - 1, r - total)
    assert _products(engine, march) == {sku: f for sku, f in expected.items() if f[1] > 0}

    later += timedelta(hours=1)  # a line added to another order (the order changes with it)
    with engine.begin() as conn:
        added_to = conn.execute(
            select(o.c.id).where(in_march, o.c.status == "delivered", o.c.id != cancelled).order_by(o.c.id).limit(1)
        ).scalar_one()
        template = dict(conn.execute(select(line).where(line.c.order_id == added_to).limit(1)).mappings().one())
        conn.execute(
            insert(line).values(
                {**template, "id": "added-line", "line_no": 99, "sku": "NEW", "quantity": 2, "total_fen": 1234}
            )
        )
        conn.execute(update(o).where(o.c.id == added_to).values(revision=o.c.revision + 1, updated_at=later))
    assert "NEW" not in _products(engine, march)
    _refresh(engine, later)
    after = _products(engine, march)
    assert after.pop("NEW") == (2, 1, 1234)
    assert after == {sku: f for sku, f in expected.items() if f[1] > 0}
    with engine.connect() as conn:  # the chain-wide ranking has it too; the top 20 still ranks by revenue
        chain = rollup_product_ranking(conn, SCOPES[0])
    assert [p.revenue_fen for p in chain] == sorted((p.revenue_fen for p in chain), reverse=True)


def test_the_customer_figures_follow_a_new_customer_and_a_cancelled_first_order(engine: Engine) -> None:
    """New and active customers move with the purchase-day rollups' refresh, not before."""
    _refresh(engine, NOW)
    april = Scope(("sh",), date(2026, 4, 1), date(2026, 4, 21))
    with engine.connect() as conn:
        before = rollup_customer_figures(conn, april)
    o = orders_table
    later = NOW + timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(
            insert(customers_table).values(
                id="c-new", display_name="", home_store_id="sh", created_at=later, updated_at=later
            )
        )
        template = dict(
            conn.execute(select(o).where(o.c.status == "delivered").order_by(o.c.id).limit(1)).mappings().one()
        )
        for n, placed in enumerate([datetime(2026, 4, 10, 3, tzinfo=UTC), datetime(2026, 4, 12, 3, tzinfo=UTC)]):
            conn.execute(
                insert(o).values(
                    {
                        **template,
                        "id": f"new-{n}",
                        "external_id": f"new-{n}",
                        "store_id": "sh",
                        "customer_id": "c-new",
                        "placed_at": placed,
                        "updated_at": later,
                    }
                )
            )
    with engine.connect() as conn:
        assert rollup_customer_figures(conn, april) == before
    _refresh(engine, later)
    with engine.connect() as conn:
        after = rollup_customer_figures(conn, april)
    assert (after.active, after.new, after.returning, after.repeat_buyers) == (
        before.active + 1,
        before.new + 1,
        before.returning,
        before.repeat_buyers + 1,
    )
    later += timedelta(hours=1)  # the second order cancelled: still new and active, no longer a repeat buyer
    with engine.begin() as conn:
        conn.execute(update(o).where(o.c.id == "new-1").values(status="cancelled", updated_at=later))
    _refresh(engine, later)
    with engine.connect() as conn:
        assert rollup_customer_figures(conn, april).repeat_buyers == before.repeat_buyers


ROLLUP_REPORTS = [
    ReportSpec(dimensions=["store", "day"], measures=["orders", "revenue_fen", "customers"]),
    ReportSpec(dimensions=["month"], measures=["average_order_fen", "customers"], sort="average_order_fen"),
    ReportSpec(measures=["orders", "revenue_fen", "average_order_fen", "customers"]),
    ReportSpec(dimensions=["store"], measures=["customers", "orders"], filters={"store": ["la"]}, sort="customers"),
    ReportSpec(
        dimensions=["sku", "month"], measures=["quantity", "line_revenue_fen", "orders"], sort="quantity", limit=5
    ),
    ReportSpec(dimensions=["day", "sku"], measures=["orders"], filters={"store": ["sh"], "sku": ["KB", "TEA"]}),
]
LIVE_REPORTS = [
    ReportSpec(dimensions=["hour"], measures=["orders"]),
    ReportSpec(dimensions=["sku"], measures=["customers"]),
    ReportSpec(dimensions=["store"], measures=["orders", "quantity"]),
    ReportSpec(dimensions=["store"], measures=["discount_fen"]),
    ReportSpec(dimensions=["day"], measures=["orders"], filters={"channel": ["test"]}),
]


def _reports(engine: Engine) -> list[bool]:
    """Per report and scope: the rows from the rollups == those from the orders."""
    with engine.connect() as conn:
        return [
            run_report(conn, scope, spec) == run_report(conn, scope, spec, rollups=False)
            for spec in ROLLUP_REPORTS
            for scope in SCOPES
        ]


def test_a_custom_report_reads_the_rollups_when_it_can_and_follows_changed_orders(engine: Engine) -> None:
    with engine.connect() as conn:
        scope = SCOPES[0]
        assert all(
            rollup_report_query(conn, scope, s.dimensions, s.measures, s.filters) is not None for s in ROLLUP_REPORTS
        )
        assert all(rollup_report_query(conn, scope, s.dimensions, s.measures, s.filters) is None for s in LIVE_REPORTS)
    _refresh(engine, NOW)
    assert all(_reports(engine))
    with engine.connect() as conn:
        rows = run_report(conn, SCOPES[0], ROLLUP_REPORTS[0]).rows
    assert len(rows) > 100 and all(n >= c > 0 for _, _, n, _, c in rows)

    o, line = orders_table, order_lines_table
    later = NOW + timedelta(hours=1)  # one order cancelled, a line added to another
    with engine.begin() as conn:
        first, second = conn.execute(
            select(o.c.id)
            .where(o.c.status == "delivered", o.c.store_id == "sh", o.c.placed_at >= datetime(2026, 3, 2, tzinfo=UTC))
            .order_by(o.c.id)
            .limit(2)
        ).scalars()
        conn.execute(update(o).where(o.c.id == first).values(status="cancelled", updated_at=later))
        template = dict(conn.execute(select(line).where(line.c.order_id == second).limit(1)).mappings().one())
        conn.execute(
            insert(line).values({**template, "id": "added-line", "line_no": 99, "sku": "TEA", "total_fen": 7777})
        )
        conn.execute(update(o).where(o.c.id == second).values(revision=o.c.revision + 1, updated_at=later))
    assert not all(_reports(engine))  # the rollups are as fresh as their last refresh
    _refresh(engine, later)
    assert all(_reports(engine))


def _stations(figures: list[StationFigures]) -> list[tuple[object, ...]]:
    """Everything a station's figures say, the times to the millisecond (the average is a sum of sums)."""
    return [
        (
            s.store_id,
            s.station_code,
            s.tickets,
            s.bumped,
            None if s.average_s is None else round(s.average_s, 3),
            None if s.max_s is None else round(s.max_s, 3),
            s.late,
        )
        for s in figures
    ]


def _kitchen_same(engine: Engine) -> list[bool]:
    """Per scope: the stations' figures from the rollup == those from the orders' tickets."""
    with engine.connect() as conn:
        return [
            _stations(rollup_kitchen_times(conn, scope)) == _stations(kitchen_times(conn, scope))
            for scope in COHORT_SCOPES
        ]


def test_the_station_rollup_follows_bumped_and_recalled_tickets_and_a_changed_late_threshold(engine: Engine) -> None:
    """A ticket's bump or recall leaves its order as it was; the refresh finds it by the ticket's own updated_at."""
    _refresh(engine, NOW)
    assert all(_kitchen_same(engine))
    o, t = orders_table, kitchen_tickets_table
    in_march = (o.c.store_id == "la") & (o.c.placed_at >= datetime(2026, 3, 5, tzinfo=UTC))
    in_march &= o.c.placed_at < datetime(2026, 3, 25, tzinfo=UTC)
    with engine.begin() as conn:
        orders_before = conn.execute(select(o.c.id, o.c.updated_at).order_by(o.c.id)).all()
        march = select(t.c.ticket_id).join(o, o.c.id == t.c.order_id).where(in_march).order_by(t.c.ticket_id)
        open_one = conn.execute(march.where(t.c.bumped_at.is_(None)).limit(1)).scalar_one()
        bumped_one = conn.execute(march.where(t.c.bumped_at.is_not(None)).limit(1)).scalar_one()
        sent = conn.execute(select(t.c.sent_at).where(t.c.ticket_id == open_one)).scalar_one()
        conn.execute(update(t).where(t.c.ticket_id == open_one).values(bumped_at=sent + timedelta(hours=2)))
        conn.execute(update(t).where(t.c.ticket_id == bumped_one).values(bumped_at=None))
        stamped = conn.execute(select(t.c.updated_at).where(t.c.ticket_id.in_([open_one, bumped_one]))).scalars()
        assert all(at is not None for at in stamped)  # every update of a ticket stamps it
    with engine.connect() as conn:
        assert conn.execute(select(o.c.id, o.c.updated_at).order_by(o.c.id)).all() == orders_before
    assert _kitchen_same(engine)[:2] == [False, False]
    assert 0 < _refresh(engine, NOW + timedelta(hours=1)) < 20
    assert all(_kitchen_same(engine))

    with engine.begin() as conn:  # the bar's late threshold halved: every day already counted is restated
        conn.execute(
            update(stations_table)
            .where(stations_table.c.store_id == "la", stations_table.c.code == "bar")
            .values(late_after_s=120)
        )
    assert _kitchen_same(engine)[:2] == [False, False]
    assert _refresh(engine, NOW + timedelta(hours=2)) > 20
    assert all(_kitchen_same(engine))
    assert _refresh(engine, NOW + timedelta(hours=3)) < 20  # restated once, not at every refresh
