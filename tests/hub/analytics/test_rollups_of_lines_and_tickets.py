"""The rollups behind customers, products, the custom report and the kitchen: each one stale until a
refresh, then equal to the live SQL again, after the changes that move its figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from hub.analytics.customer_rollup import rollup_customer_figures
from hub.analytics.operations_queries import StationFigures, kitchen_times
from hub.analytics.product_rollup import rollup_product_ranking
from hub.analytics.report_query import ReportSpec, run_report
from hub.analytics.report_rollup import rollup_report_query
from hub.analytics.scope import Scope
from hub.analytics.station_rollup import rollup_kitchen_times
from hub.customers.api import customers_table
from hub.kitchen.api import kitchen_tickets_table
from hub.orders.api import order_lines_table, orders_table
from hub.stores.api import stations_table
from tests.hub.analytics.generated_data import NOW
from tests.hub.analytics.rollup_support import COHORT_SCOPES, SCOPES, refresh


def _products(engine: Engine, scope: Scope) -> dict[str, tuple[int, int, int]]:
    """The ranking from the rollup, every product: sku -> (quantity, orders, revenue)."""
    with engine.connect() as conn:
        return {p.sku: (p.quantity, p.orders, p.revenue_fen) for p in rollup_product_ranking(conn, scope, limit=500)}


def test_the_product_rollup_follows_a_cancelled_order_and_an_added_line(engine: Engine) -> None:
    """Each change leaves the ranking as it was until the next refresh, which moves exactly the changed figures."""
    refresh(engine, NOW)
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
    refresh(engine, later)
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
    refresh(engine, later)
    after = _products(engine, march)
    assert after.pop("NEW") == (2, 1, 1234)
    assert after == {sku: f for sku, f in expected.items() if f[1] > 0}
    with engine.connect() as conn:  # the chain-wide ranking has it too; the top 20 still ranks by revenue
        chain = rollup_product_ranking(conn, SCOPES[0])
    assert [p.revenue_fen for p in chain] == sorted((p.revenue_fen for p in chain), reverse=True)


def test_the_customer_figures_follow_a_new_customer_and_a_cancelled_first_order(engine: Engine) -> None:
    """New and active customers move with the purchase-day rollups' refresh, not before."""
    refresh(engine, NOW)
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
    refresh(engine, later)
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
    refresh(engine, later)
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
    refresh(engine, NOW)
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
    refresh(engine, later)
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
    refresh(engine, NOW)
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
    assert 0 < refresh(engine, NOW + timedelta(hours=1)) < 20
    assert all(_kitchen_same(engine))

    with engine.begin() as conn:  # the bar's late threshold halved: every day already counted is restated
        conn.execute(
            update(stations_table)
            .where(stations_table.c.store_id == "la", stations_table.c.code == "bar")
            .values(late_after_s=120)
        )
    assert _kitchen_same(engine)[:2] == [False, False]
    assert refresh(engine, NOW + timedelta(hours=2)) > 20
    assert all(_kitchen_same(engine))
    assert refresh(engine, NOW + timedelta(hours=3)) < 20  # restated once, not at every refresh
