"""Every dashboard figure equals an independent pandas computation on generated data (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from hub.analytics.area_rollup import rollup_customers_by_area
from hub.analytics.campaign_queries import campaign_funnel
from hub.analytics.catalogue_queries import customers_by_area
from hub.analytics.customer_rollup import rollup_customer_figures, rollup_retention_cohorts
from hub.analytics.operations_queries import kitchen_times, rider_performance
from hub.analytics.product_rollup import rollup_product_ranking
from hub.analytics.rider_rollup import rollup_rider_performance
from hub.analytics.rollup import refresh_rollups
from hub.analytics.sales_queries import retention_cohorts, sales_by_day
from hub.analytics.scope import Scope
from hub.analytics.station_rollup import rollup_kitchen_times
from tests.databases import postgres_database, sqlite_database
from tests.hub.analytics import pandas_reference as ref
from tests.hub.analytics.generated_data import NOW, Generated, generate, load

DAY_FROM, DAY_TO = date(2026, 3, 1), date(2026, 4, 19)
SCOPES = [None, ["la"], ["sh"]]
COHORTS = {"live": retention_cohorts, "rollup": rollup_retention_cohorts}
RIDERS = {"live": rider_performance, "rollup": rollup_rider_performance}
STATIONS = {"live": kitchen_times, "rollup": rollup_kitchen_times}
AREAS = {"live": customers_by_area, "rollup": rollup_customers_by_area}


@pytest.fixture(scope="module")
def data() -> Generated:
    return generate()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def conn(
    request: pytest.FixtureRequest, data: Generated, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Connection]:
    if request.param == "sqlite":
        url = sqlite_database(tmp_path_factory.mktemp("analytics"))
        engine = create_engine(url)
        load(engine, data)
        with engine.begin() as c:
            refresh_rollups(c, now=NOW)  # the rollups' first build, as the hub's job would after a load
        with engine.connect() as c:
            yield c
        engine.dispose()
        return
    with postgres_database() as pg:
        engine = create_engine(pg)
        load(engine, data)
        with engine.begin() as c:
            refresh_rollups(c, now=NOW)
        with engine.connect() as c:
            yield c
        engine.dispose()


@pytest.mark.parametrize("stores", SCOPES)
def test_revenue_orders_and_average_order_value_per_local_day(
    conn: Connection, data: Generated, stores: list[str] | None
) -> None:
    scope = Scope(None if stores is None else tuple(stores), DAY_FROM, DAY_TO)
    rows = sales_by_day(conn, scope)
    expected = ref.daily(data, stores, DAY_FROM, DAY_TO)
    assert [r.day for r in rows] == scope.days
    assert {r.day: (r.orders, r.revenue_fen) for r in rows if r.orders} == expected
    assert sum(r.orders for r in rows) > 100
    for r in rows:
        if r.orders:
            assert r.average_order_fen == round(expected[r.day][1] / expected[r.day][0])


@pytest.mark.parametrize("stores", SCOPES)
def test_active_new_returning_customers_and_repeat_rate_by_purchase_days(
    conn: Connection, data: Generated, stores: list[str] | None
) -> None:
    scope = Scope(None if stores is None else tuple(stores), date(2026, 3, 20), DAY_TO)
    got = rollup_customer_figures(conn, scope)
    expected = ref.customers(data, stores, scope.day_from, scope.day_to)
    assert (got.active, got.new, got.returning, got.repeat_buyers) == (
        expected["active"],
        expected["new"],
        expected["returning"],
        expected["repeat_buyers"],
    )
    assert 0 < got.new < got.active and got.repeat_buyers > 0


@pytest.mark.parametrize("source", COHORTS)
@pytest.mark.parametrize("stores", SCOPES)
def test_retention_cohorts(conn: Connection, data: Generated, stores: list[str] | None, source: str) -> None:
    scope = Scope(None if stores is None else tuple(stores), date(2026, 2, 1), DAY_TO)
    cells = COHORTS[source](conn, scope)
    assert {(c.cohort, c.month): c.customers for c in cells} == ref.cohorts(data, stores, scope.day_from, scope.day_to)
    first = [c for c in cells if c.offset == 0]
    assert first and all(c.share == 1.0 for c in first)


@pytest.mark.parametrize("source", COHORTS)
@pytest.mark.parametrize("stores", SCOPES)
def test_retention_cohorts_of_a_later_period_leave_out_earlier_customers(
    conn: Connection, data: Generated, stores: list[str] | None, source: str
) -> None:
    """A period that starts mid-month, after most customers' first purchase: "first" is a real test here."""
    scope = Scope(None if stores is None else tuple(stores), date(2026, 3, 12), date(2026, 4, 8))
    cells = COHORTS[source](conn, scope)
    expected = ref.cohorts(data, stores, scope.day_from, scope.day_to)
    assert {(c.cohort, c.month): c.customers for c in cells} == expected
    assert sum(expected.values()) > 5


@pytest.mark.parametrize("stores", SCOPES)
def test_product_ranking(conn: Connection, data: Generated, stores: list[str] | None) -> None:
    scope = Scope(None if stores is None else tuple(stores), DAY_FROM, DAY_TO)
    got = [(p.sku, p.quantity, p.orders, p.revenue_fen) for p in rollup_product_ranking(conn, scope)]
    assert got == ref.products(data, stores, DAY_FROM, DAY_TO)


@pytest.mark.parametrize("source", AREAS)
@pytest.mark.parametrize("stores", SCOPES)
def test_customers_by_area(conn: Connection, data: Generated, stores: list[str] | None, source: str) -> None:
    scope = Scope(None if stores is None else tuple(stores), DAY_FROM, DAY_TO)
    cells = AREAS[source](conn, scope)
    got = {a.area: (a.customers, a.orders, a.revenue_fen) for a in cells}
    expected = ref.areas(data, stores, DAY_FROM, DAY_TO)
    assert got == expected
    assert len(got) >= 10
    assert [a.orders for a in cells] == sorted((a.orders for a in cells), reverse=True)
    assert any(c < n for c, n, _ in expected.values())  # customers with several orders in a cell: distinct


@pytest.mark.parametrize("source", RIDERS)
@pytest.mark.parametrize("stores", SCOPES)
def test_rider_performance(conn: Connection, data: Generated, stores: list[str] | None, source: str) -> None:
    scope = Scope(None if stores is None else tuple(stores), DAY_FROM, DAY_TO)
    got = RIDERS[source](conn, scope)
    expected = ref.riders(data, stores, DAY_FROM, DAY_TO)
    assert {r.rider_id for r in got} == set(expected)
    for r in got:
        e = expected[r.rider_id]
        assert (r.deliveries, r.delivered, r.failed, r.on_time, r.promised) == (
            e["deliveries"],
            e["delivered"],
            e["failed"],
            e["on_time"],
            e["promised"],
        )
        assert r.average_delivery_s == pytest.approx(e["average_delivery_s"], abs=0.01)
        assert r.failure_reasons == e["failure_reasons"]
        assert r.on_time_share is not None and 0 < r.on_time_share < 1
        assert r.store_id == r.rider_id.split("-")[0]


@pytest.mark.parametrize("source", STATIONS)
@pytest.mark.parametrize("stores", SCOPES)
def test_kitchen_ticket_times_per_station(
    conn: Connection, data: Generated, stores: list[str] | None, source: str
) -> None:
    scope = Scope(None if stores is None else tuple(stores), DAY_FROM, DAY_TO)
    got = {(s.store_id, s.station_code): s for s in STATIONS[source](conn, scope)}
    expected = ref.stations(data, stores, DAY_FROM, DAY_TO)
    assert set(got) == set(expected)
    for key, s in got.items():
        e = expected[key]
        assert (s.tickets, s.bumped, s.late) == (e["tickets"], e["bumped"], e["late"])
        assert s.average_s == pytest.approx(e["average_s"], abs=0.01)
        assert s.max_s == pytest.approx(e["max_s"], abs=0.01)


@pytest.mark.parametrize("stores", SCOPES)
def test_campaign_funnel(conn: Connection, data: Generated, stores: list[str] | None) -> None:
    scope = Scope(None if stores is None else tuple(stores), DAY_FROM, DAY_TO)
    got = {
        c.rule_id: (c.targeted, c.sent, c.redeemed, c.attributed_orders, c.attributed_revenue_fen)
        for c in campaign_funnel(conn, scope, zone="Asia/Shanghai")
    }
    assert got == ref.campaigns(data, stores, DAY_FROM, DAY_TO, "Asia/Shanghai")
    assert all(t > s > 0 and r > 0 and n > 0 for t, s, r, n, _ in got.values())
