"""The stations' rollup: per store, local day and station, what :func:`kitchen_times` counts.

Rewritten by the rollup's refresh (:mod:`hub.analytics.rollup`) for the days of orders changed since the
orders' watermark, of kitchen tickets changed since the tickets' one (a bump, a recall or a send changes
the ticket and not its order: ``kitchen_tickets.updated_at``, through ``ix_kitchen_tickets_updated_at``),
and of rows counted with a late threshold the station no longer has. ``GET /analytics/kitchen`` then adds
up a few rows per station and day: counts and sums for the average, the largest for the longest time.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, case, delete, func, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_days, in_stores, order_day, orders_with_stores, read_day
from hub.analytics.operations_queries import StationFigures
from hub.analytics.scope import Scope
from hub.analytics.sql_time import seconds_between
from hub.analytics.tables import DailyStations
from hub.kernel.sql_dialect import AnyConn, prepare

stations_daily = DailyStations.__table__  # type: ignore[attr-defined]

TICKETS_UPDATED_AT = Index("ix_kitchen_tickets_updated_at", src.tickets.c.updated_at)
"""Declared here, on the kitchen tickets' table: the refresh finds the days of changed tickets by it."""

DEFAULT_LATE_AFTER_S = 480
"""A ticket of a station the store no longer has is late after this long (as the live query counted it)."""

COLUMNS = [
    "store_id",
    "day",
    "ticket_store_id",
    "station_code",
    "tickets",
    "bumped",
    "ticket_s",
    "longest_s",
    "late",
    "late_after_s",
]


def rewrite_station_days(conn: AnyConn, block: Scope) -> None:
    """Recompute the block's (store, day) rows from the orders' kitchen tickets and the stations."""
    assert block.store_ids is not None
    k, t, st, o = stations_daily.c, src.tickets.c, src.stations.c, src.orders.c
    conn.execute(
        delete(stations_daily).where(
            k.store_id.in_(list(block.store_ids)), k.day >= block.day_from, k.day <= block.day_to
        )
    )
    done = t.bumped_at.is_not(None) & t.sent_at.is_not(None)
    took = case((done, seconds_between(conn, t.sent_at, t.bumped_at)), else_=None)
    late_after = func.coalesce(st.late_after_s, DEFAULT_LATE_AFTER_S)
    day = order_day(conn).label("day")
    cells = (
        select(
            o.store_id,
            day,
            t.store_id,
            t.station_code,
            func.count(),
            func.count(took),
            func.coalesce(func.sum(took), 0.0),
            func.max(took),
            func.sum(case((took > late_after, 1), else_=0)),
            func.max(late_after),
        )
        .select_from(
            orders_with_stores()
            .join(src.tickets, t.order_id == o.id)
            .outerjoin(src.stations, (st.store_id == t.store_id) & (st.code == t.station_code))
        )
        .where(in_days(conn, block, counted_only=False))
        .group_by(o.store_id, day, t.store_id, t.station_code)
    )
    conn.execute(stations_daily.insert().from_select(COLUMNS, cells))


def restated_days(conn: AnyConn) -> set[tuple[str, date]]:
    """The (store, day) pairs counted with a late threshold their station no longer has."""
    k, st = stations_daily.c, src.stations.c
    found = (
        select(k.store_id, k.day)
        .select_from(
            stations_daily.outerjoin(src.stations, (st.store_id == k.ticket_store_id) & (st.code == k.station_code))
        )
        .where(k.late_after_s != func.coalesce(st.late_after_s, DEFAULT_LATE_AFTER_S))
        .distinct()
    )
    return {(str(store), read_day(d)) for store, d in conn.execute(found)}


def rollup_kitchen_times(conn: AnyConn, scope: Scope) -> list[StationFigures]:
    """:func:`kitchen_times` from the rollup (as fresh as its last refresh)."""
    prepare(conn)
    k = stations_daily.c
    bumped = func.sum(k.bumped)
    query = (
        select(
            k.ticket_store_id,
            k.station_code,
            func.sum(k.tickets),
            bumped,
            func.sum(k.ticket_s),
            func.max(k.longest_s),
            func.sum(k.late),
        )
        .where(k.day >= scope.day_from, k.day <= scope.day_to, in_stores(scope, k.store_id))
        .group_by(k.ticket_store_id, k.station_code)
        .order_by(k.ticket_store_id, k.station_code)
    )
    return [
        StationFigures(
            store,
            code,
            int(n),
            int(b),
            float(total) / int(b) if b else None,
            None if longest is None else float(longest),
            int(late),
        )
        for store, code, n, b, total, longest, late in conn.execute(query)
    ]
