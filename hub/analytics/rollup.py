"""The analytics rollups, kept current from changed orders, deliveries and kitchen tickets by one refresh.

- ``analytics_daily_sales``: counted orders and revenue per store and local day (``GET /analytics/sales``);
- ``analytics_purchase_days`` and ``analytics_customer_firsts``: purchase days per store, day and customer,
  and each customer's first and last one per store (``GET /analytics/cohorts``,
  :mod:`hub.analytics.customer_rollup`);
- ``analytics_daily_riders``: deliveries, on-time, times and failure reasons per store, day and rider
  (``GET /analytics/riders``, :mod:`hub.analytics.rider_rollup`);
- ``analytics_daily_products``: quantity, orders and line revenue per store, day and sku
  (``GET /analytics/products``, :mod:`hub.analytics.product_rollup`);
- ``analytics_daily_stations``: kitchen tickets, times and late ones per store, day and station
  (``GET /analytics/kitchen``, :mod:`hub.analytics.station_rollup`);
- ``analytics_daily_area_customers``: counted delivery orders and revenue per day, store, drop-off grid cell
  and customer, distinct customers counted at read time (``GET /analytics/areas``,
  :mod:`hub.analytics.area_rollup`).

Each refresh finds the (store, local day) pairs of orders changed since the orders' watermark (their
``updated_at``, through ``ix_orders_updated_at``), of deliveries changed since the deliveries' one
(``ix_deliveries_updated_at``: a rider handed over from one rider to another, or a delivery cancelled by
the planner, changes the delivery and not the order) and of kitchen tickets changed since the tickets'
one (``ix_kitchen_tickets_updated_at``: a bump or a recall changes the ticket), recomputes exactly those
pairs from the orders and upserts them, then moves the watermarks. It re-reads a margin before each
watermark, so a change committed late by a long transaction is still picked up. The figures read from
the rollups are those of the live queries (:func:`hub.analytics.sales_queries.sales_by_day`,
``retention_cohorts``, :func:`hub.analytics.operations_queries.rider_performance`, ``kitchen_times``,
:func:`hub.analytics.catalogue_queries.customers_by_area`;
the customers' figures and the product ranking have no live query left, the tests compare them with
pandas), without scanning orders. An order's ``placed_at`` never changes (the orders domain keeps it),
so a changed order's day is the day it already counted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Index, delete, func, select, text
from sqlalchemy.sql.expression import FromClause

from hub.analytics import sources as src
from hub.analytics.area_rollup import rewrite_area_days
from hub.analytics.customer_rollup import rewrite_purchase_days
from hub.analytics.local_days import in_days, in_stores, order_day, orders_with_stores, read_day
from hub.analytics.product_rollup import rewrite_product_days
from hub.analytics.rider_rollup import rewrite_rider_days
from hub.analytics.sales_queries import DaySales
from hub.analytics.scope import Scope
from hub.analytics.station_rollup import restated_days, rewrite_station_days
from hub.analytics.tables import DailySales, RollupState
from hub.kernel.sql_dialect import AnyConn, insert_for, is_postgres, prepare

NAME = "daily_sales"
"""The orders' watermark (the name it had when it served the sales rollup alone)."""
DELIVERIES = "deliveries"
"""The deliveries' watermark (the riders' rollup)."""
TICKETS = "tickets"
"""The kitchen tickets' watermark (the stations' rollup)."""
BUILT = datetime(1970, 1, 1, tzinfo=UTC)
"""The tickets' watermark after a build that found no ticket ever updated (``updated_at`` null until the
first update): the next refresh reads the updated ones only, not every ticket again."""
MARGIN = timedelta(minutes=10)
"""Changes up to this long before the watermark are read again (late commits)."""
BATCH = 20_000
"""Changed (store, day) pairs recomputed per statement; a first build reads all history in blocks."""
GAP_DAYS = 7
"""Changed days further apart than this are rewritten as separate blocks."""
ANALYZE_AFTER = 1_000
"""A refresh that rewrites at least this many (store, day) pairs (a first build, a bulk change) has
PostgreSQL analyze the rollup tables: with stale statistics the planner reads them by the wrong index."""
ROLLUP_TABLES = (
    "analytics_daily_sales",
    "analytics_purchase_days",
    "analytics_customer_firsts",
    "analytics_daily_riders",
    "analytics_daily_products",
    "analytics_daily_stations",
    "analytics_daily_area_customers",
)
Pairs = set[tuple[str, date]]
daily = DailySales.__table__  # type: ignore[attr-defined]
state = RollupState.__table__  # type: ignore[attr-defined]

ORDERS_UPDATED_AT = Index("ix_orders_updated_at", src.orders.c.updated_at)
"""Declared here, on the orders table, because only the rollup reads orders by ``updated_at``."""


def _changed(
    conn: AnyConn, updated_at: Any, source: FromClause, mark: datetime | None
) -> tuple[Pairs, datetime | None]:
    """The (store, day) pairs of the rows changed from the margin before ``mark`` on, and the newest change."""
    day = order_day(conn).label("day")
    changed = select(src.orders.c.store_id, day).select_from(source).distinct()
    newest = select(func.max(updated_at)).select_from(source)
    if mark is not None:
        changed = changed.where(updated_at >= mark - MARGIN)
        newest = newest.where(updated_at >= mark - MARGIN)
    pairs = {(str(store), read_day(d)) for store, d in conn.execute(changed)}
    top = conn.execute(newest).scalar()
    return pairs, max(m for m in (mark, top) if m is not None) if (mark or top) else None


def _blocks(pairs: Pairs) -> list[Scope]:
    """The changed pairs as blocks of days for their stores: at most ``BATCH`` pairs each, and a new block
    where the days leave a gap of more than ``GAP_DAYS`` (a change last month does not rewrite the weeks since)."""
    ordered = sorted(pairs, key=lambda p: (p[1], p[0]))
    blocks: list[Scope] = []
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or i - start >= BATCH or (ordered[i][1] - ordered[i - 1][1]).days > GAP_DAYS:
            part = ordered[start:i]
            blocks.append(Scope(tuple(sorted({s for s, _ in part})), part[0][1], part[-1][1]))
            start = i
    return blocks


def _move(conn: AnyConn, name: str, watermark: datetime | None, now: datetime) -> None:
    upsert = insert_for(conn)(state).values(name=name, watermark=watermark, refreshed_at=now)
    conn.execute(
        upsert.on_conflict_do_update(index_elements=["name"], set_={"watermark": watermark, "refreshed_at": now})
    )


def refresh_rollups(conn: AnyConn, *, now: datetime) -> int:
    """Bring every rollup up to date; returns the (store, day) pairs rewritten. The caller commits.

    Orders changed since the orders' watermark rewrite their days in every rollup; deliveries changed
    since the deliveries' watermark rewrite theirs in the riders' rollup; kitchen tickets changed since
    the tickets' watermark, and days counted with a late threshold their station no longer has, theirs
    in the stations' rollup.
    """
    prepare(conn)
    found = select(state.c.name, state.c.watermark).where(state.c.name.in_([NAME, DELIVERIES, TICKETS]))
    marks = {str(name): mark for name, mark in conn.execute(found)}
    by_orders, orders_mark = _changed(conn, src.orders.c.updated_at, orders_with_stores(), marks.get(NAME))
    with_deliveries = orders_with_stores().join(src.deliveries, src.deliveries.c.order_id == src.orders.c.id)
    by_deliveries, deliveries_mark = _changed(conn, src.deliveries.c.updated_at, with_deliveries, marks.get(DELIVERIES))
    with_tickets = orders_with_stores().join(src.tickets, src.tickets.c.order_id == src.orders.c.id)
    by_tickets, tickets_mark = _changed(conn, src.tickets.c.updated_at, with_tickets, marks.get(TICKETS))
    by_stations = by_tickets | restated_days(conn)
    for block in _blocks(by_orders):
        _rewrite(conn, block)
        rewrite_purchase_days(conn, block)
        rewrite_product_days(conn, block)
        rewrite_area_days(conn, block)
    for block in _blocks(by_orders | by_deliveries):
        rewrite_rider_days(conn, block)
    for block in _blocks(by_orders | by_stations):
        rewrite_station_days(conn, block)
    _move(conn, NAME, orders_mark, now)
    _move(conn, DELIVERIES, deliveries_mark, now)
    _move(conn, TICKETS, tickets_mark or BUILT, now)
    rewritten = len(by_orders | by_deliveries | by_stations)
    if rewritten >= ANALYZE_AFTER and is_postgres(conn):
        conn.execute(text(f"ANALYZE {', '.join(ROLLUP_TABLES)}"))
    return rewritten


def _rewrite(conn: AnyConn, block: Scope) -> None:
    """Recompute the sales of the block's days for its stores."""
    assert block.store_ids is not None
    stores, first, last = list(block.store_ids), block.day_from, block.day_to
    conn.execute(delete(daily).where(daily.c.store_id.in_(stores), daily.c.day >= first, daily.c.day <= last))
    day = order_day(conn).label("day")
    totals = (
        select(src.orders.c.store_id, day, func.count(), func.coalesce(func.sum(src.orders.c.total_fen), 0))
        .select_from(orders_with_stores())
        .where(in_days(conn, block))
        .group_by(src.orders.c.store_id, day)
    )
    rows = [
        {"store_id": s, "day": read_day(d), "orders": int(n), "revenue_fen": int(r)}
        for s, d, n, r in conn.execute(totals)
    ]
    for start in range(0, len(rows), BATCH):
        conn.execute(insert_for(conn)(daily).values(rows[start : start + BATCH]))


def rollup_sales_by_day(conn: AnyConn, scope: Scope) -> list[DaySales]:
    """:func:`sales_by_day` from the rollup (as fresh as its last refresh)."""
    query = (
        select(daily.c.day, func.sum(daily.c.orders), func.sum(daily.c.revenue_fen))
        .where(daily.c.day >= scope.day_from, daily.c.day <= scope.day_to, in_stores(scope, daily.c.store_id))
        .group_by(daily.c.day)
    )
    found = {read_day(d): (int(n), int(r)) for d, n, r in conn.execute(query)}
    return [DaySales(d, *found.get(d, (0, 0))) for d in scope.days]


@dataclass(frozen=True)
class Freshness:
    refreshed_at: datetime | None
    """When the rollup was last brought up to date by the job (None: never built)."""
    live: bool
    """True: the figures include every order (those changed since the refresh read from the orders);
    False: more days changed than a read recomputes, and those changes are not in the figures yet."""
    changed_days: int
    """(store, day) pairs changed after the refresh's watermark (recomputed when ``live``)."""


def _changed_pairs(conn: AnyConn, mark: datetime | None, limit: int) -> list[tuple[str, date]]:
    """Up to ``limit`` (store, local day) pairs of orders changed after the watermark. (An order committed
    late with an older ``updated_at`` is in the figures from the job's next refresh, which reads the margin.)"""
    o = src.orders.c
    day = order_day(conn).label("day")
    changed = select(o.store_id, day).select_from(orders_with_stores()).distinct().limit(limit)
    if mark is not None:
        changed = changed.where(o.updated_at > mark)
    return sorted({(store, read_day(d)) for store, d in conn.execute(changed)}, key=lambda p: (p[1], p[0]))


def current_sales_by_day(conn: AnyConn, scope: Scope, *, live_days_max: int) -> tuple[list[DaySales], Freshness]:
    """:func:`sales_by_day` from the rollup, with the days changed since its last refresh recomputed from
    the orders (at most ``live_days_max`` store days; beyond that the rollup as it is). Writes nothing."""
    prepare(conn)
    found = conn.execute(select(state.c.watermark, state.c.refreshed_at).where(state.c.name == NAME)).first()
    mark, refreshed = (found[0], found[1]) if found is not None else (None, None)
    pairs = _changed_pairs(conn, mark, live_days_max + 1)
    stored = select(daily.c.store_id, daily.c.day, daily.c.orders, daily.c.revenue_fen).where(
        daily.c.day >= scope.day_from, daily.c.day <= scope.day_to, in_stores(scope, daily.c.store_id)
    )
    cells = {(str(st), read_day(d)): (int(n), int(r)) for st, d, n, r in conn.execute(stored)}
    live = len(pairs) <= live_days_max
    wanted = [
        (st, d)
        for st, d in pairs
        if scope.day_from <= d <= scope.day_to and (scope.store_ids is None or st in scope.store_ids)
    ]
    if live and wanted:
        for pair in wanted:
            cells.pop(pair, None)
        cells.update(_recount(conn, wanted))
    totals: dict[date, tuple[int, int]] = {}
    for (_, d), (n, r) in cells.items():
        before = totals.get(d, (0, 0))
        totals[d] = (before[0] + n, before[1] + r)
    days = [DaySales(d, *totals.get(d, (0, 0))) for d in scope.days]
    return days, Freshness(refreshed_at=refreshed, live=live, changed_days=len(pairs))


def _recount(conn: AnyConn, pairs: list[tuple[str, date]]) -> dict[tuple[str, date], tuple[int, int]]:
    """The counted orders and revenue of these (store, day) pairs, from the orders (as ``_rewrite``)."""
    stores = sorted({s for s, _ in pairs})
    block = Scope(tuple(stores), min(d for _, d in pairs), max(d for _, d in pairs))
    day = order_day(conn).label("day")
    totals = (
        select(src.orders.c.store_id, day, func.count(), func.coalesce(func.sum(src.orders.c.total_fen), 0))
        .select_from(orders_with_stores())
        .where(in_days(conn, block))
        .group_by(src.orders.c.store_id, day)
    )
    wanted = set(pairs)
    counted = {(str(st), read_day(d)): (int(n), int(r)) for st, d, n, r in conn.execute(totals)}
    return {pair: counted.get(pair, (0, 0)) for pair in wanted}
