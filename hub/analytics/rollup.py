"""The daily sales rollup: counted orders and revenue per store and local day, kept current.

Each refresh finds the (store, local day) pairs of orders changed since the watermark (their
``updated_at``, through ``ix_orders_updated_at``), recomputes exactly those pairs from the
orders and upserts them, then moves the watermark. It re-reads a margin before the watermark,
so an order committed late by a long transaction is still picked up. The figures read from the
rollup are those of :func:`hub.analytics.sales_queries.sales_by_day`, without scanning orders.
An order's ``placed_at`` never changes (the orders domain keeps it), so a changed order's day is
the day it already counted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Index, delete, func, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_days, in_stores, order_day, orders_with_stores, read_day
from hub.analytics.sales_queries import DaySales
from hub.analytics.scope import Scope
from hub.analytics.tables import DailySales, RollupState
from hub.kernel.sql_dialect import AnyConn, insert_for, prepare

NAME = "daily_sales"
MARGIN = timedelta(minutes=10)
"""Changes up to this long before the watermark are read again (late commits)."""
BATCH = 20_000
"""Changed (store, day) pairs recomputed per statement; a first build reads all history in blocks."""
daily = DailySales.__table__  # type: ignore[attr-defined]
state = RollupState.__table__  # type: ignore[attr-defined]

ORDERS_UPDATED_AT = Index("ix_orders_updated_at", src.orders.c.updated_at)
"""Declared here, on the orders table, because only the rollup reads orders by ``updated_at``."""


def refresh_daily_sales(conn: AnyConn, *, now: datetime) -> int:
    """Bring the rollup up to date; returns the (store, day) pairs rewritten. The caller commits."""
    prepare(conn)
    mark = conn.execute(select(state.c.watermark).where(state.c.name == NAME)).scalar()
    o = src.orders.c
    day = order_day(conn).label("day")
    changed = select(o.store_id, day).select_from(orders_with_stores()).distinct()
    newest = select(func.max(o.updated_at))
    if mark is not None:
        changed = changed.where(o.updated_at >= mark - MARGIN)
        newest = newest.where(o.updated_at >= mark - MARGIN)
    pairs = sorted({(store, read_day(d)) for store, d in conn.execute(changed)}, key=lambda p: (p[1], p[0]))
    for start in range(0, len(pairs), BATCH):
        _rewrite(conn, pairs[start : start + BATCH])
    top = conn.execute(newest).scalar()
    watermark = max(m for m in (mark, top) if m is not None) if (mark or top) else None
    upsert = insert_for(conn)(state).values(name=NAME, watermark=watermark, refreshed_at=now)
    conn.execute(
        upsert.on_conflict_do_update(index_elements=["name"], set_={"watermark": watermark, "refreshed_at": now})
    )
    return len(pairs)


def _rewrite(conn: AnyConn, pairs: list[tuple[str, date]]) -> None:
    """Recompute the block of days from the first to the last of these pairs for their stores."""
    stores = sorted({s for s, _ in pairs})
    first, last = pairs[0][1], pairs[-1][1]  # pairs come sorted by day
    block = Scope(tuple(stores), first, last)
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
