"""The riders' rollup: per store, local day, rider and failure reason, what :func:`rider_performance` counts.

Rewritten by the rollup's refresh (:mod:`hub.analytics.rollup`) for the days of orders or deliveries
changed since its watermarks, so ``GET /analytics/riders`` adds up a few rows per rider and day
instead of joining the window's orders to their deliveries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, case, delete, func, literal, literal_column, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_days, in_stores, order_day, orders_with_stores
from hub.analytics.operations_queries import RiderFigures
from hub.analytics.scope import Scope
from hub.analytics.sql_time import seconds_between
from hub.analytics.tables import DailyRiders
from hub.kernel.sql_dialect import AnyConn, prepare

riders_daily = DailyRiders.__table__  # type: ignore[attr-defined]

DELIVERIES_UPDATED_AT = Index("ix_deliveries_updated_at", src.deliveries.c.updated_at)
"""Declared here, on the deliveries table: the refresh finds the days of changed deliveries by it."""

NO_REASON = ""


def _cells(conn: AnyConn, block: Scope) -> Any:
    """The rollup's rows for the block's stores and days, computed from the orders and deliveries."""
    d, o = src.deliveries.c, src.orders.c
    delivered = d.stage == "delivered"
    promised = delivered & o.promised_at.is_not(None) & d.delivered_at.is_not(None)
    timed = delivered & d.picked_up_at.is_not(None)
    took = case((timed, seconds_between(conn, d.picked_up_at, d.delivered_at)), else_=None)
    reason = case(
        (d.stage == "failed", func.coalesce(d.failure_reason, literal_column("'unknown'"))), else_=literal(NO_REASON)
    ).label("reason")
    day = order_day(conn).label("day")
    return (
        select(
            o.store_id,
            day,
            d.rider_id,
            reason,
            func.max(d.store_id),
            func.count(),
            func.sum(case((delivered, 1), else_=0)),
            func.sum(case((d.stage == "failed", 1), else_=0)),
            func.sum(case((promised & (d.delivered_at <= o.promised_at), 1), else_=0)),
            func.sum(case((promised, 1), else_=0)),
            func.count(took),
            func.coalesce(func.sum(took), 0.0),
        )
        .select_from(orders_with_stores().join(src.deliveries, d.order_id == o.id))
        .where(in_days(conn, block, counted_only=False), d.rider_id.is_not(None))
        .group_by(o.store_id, day, d.rider_id, reason)
    )


COLUMNS = [
    "store_id",
    "day",
    "rider_id",
    "reason",
    "delivery_store_id",
    "deliveries",
    "delivered",
    "failed",
    "on_time",
    "promised",
    "timed",
    "delivery_s",
]


def rewrite_rider_days(conn: AnyConn, block: Scope) -> None:
    """Recompute the block's (store, day) rows from the orders and their deliveries."""
    assert block.store_ids is not None
    r = riders_daily.c
    conn.execute(
        delete(riders_daily).where(
            r.store_id.in_(list(block.store_ids)), r.day >= block.day_from, r.day <= block.day_to
        )
    )
    conn.execute(riders_daily.insert().from_select(COLUMNS, _cells(conn, block)))


def rollup_rider_performance(conn: AnyConn, scope: Scope) -> list[RiderFigures]:
    """:func:`rider_performance` from the rollup (as fresh as its last refresh)."""
    prepare(conn)
    r = riders_daily.c
    where = (r.day >= scope.day_from, r.day <= scope.day_to, in_stores(scope, r.store_id))
    query = (
        select(
            r.rider_id,
            func.max(r.delivery_store_id),
            func.sum(r.deliveries),
            func.sum(r.delivered),
            func.sum(r.failed),
            func.sum(r.on_time),
            func.sum(r.promised),
            func.sum(r.timed),
            func.sum(r.delivery_s),
        )
        .where(*where)
        .group_by(r.rider_id)
        .order_by(r.rider_id)
    )
    reasons: dict[str, dict[str, int]] = {}
    reason_query = (
        select(r.rider_id, r.reason, func.sum(r.failed))
        .where(*where, r.reason != NO_REASON)
        .group_by(r.rider_id, r.reason)
    )
    for rider, reason, n in conn.execute(reason_query):
        if n:
            reasons.setdefault(rider, {})[reason] = int(n)
    return [
        RiderFigures(
            rider_id=rider,
            store_id=store,
            deliveries=int(n),
            delivered=int(ok),
            failed=int(bad),
            on_time=int(on_time),
            promised=int(prom),
            average_delivery_s=float(seconds) / int(timed) if timed else None,
            failure_reasons=reasons.get(rider, {}),
        )
        for rider, store, n, ok, bad, on_time, prom, timed, seconds in conn.execute(query)
    ]
