"""Riders (deliveries, on-time share, average time, failure reasons) and kitchen ticket times.

Both follow the orders placed on the scope's local days, whatever their status (a failed
delivery is part of a rider's record). On time: delivered no later than the order's promise.
A rider's time runs from pick-up to delivery; a ticket's from sent to bumped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, literal_column, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_days, orders_with_stores
from hub.analytics.scope import Scope
from hub.analytics.sql_time import seconds_between
from hub.kernel.sql_dialect import AnyConn, prepare


@dataclass(frozen=True)
class RiderFigures:
    rider_id: str
    store_id: str
    deliveries: int
    """Assigned to the rider."""
    delivered: int
    failed: int
    on_time: int
    promised: int
    """Delivered orders that carried a promise (the on-time share's denominator)."""
    average_delivery_s: float | None
    failure_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.promised if self.promised else None


@dataclass(frozen=True)
class StationFigures:
    store_id: str
    station_code: str
    tickets: int
    bumped: int
    average_s: float | None
    max_s: float | None
    late: int
    """Bumped later than the station's ``late_after_s``."""


def rider_performance(conn: AnyConn, scope: Scope) -> list[RiderFigures]:
    prepare(conn)
    d = src.deliveries.c
    base = orders_with_stores().join(src.deliveries, d.order_id == src.orders.c.id)
    where = (in_days(conn, scope, counted_only=False), d.rider_id.is_not(None))
    delivered = d.stage == "delivered"
    promised = delivered & src.orders.c.promised_at.is_not(None) & d.delivered_at.is_not(None)
    took = seconds_between(conn, d.picked_up_at, d.delivered_at)
    query = (
        select(
            d.rider_id,
            func.max(d.store_id),
            func.count(),
            func.sum(case((delivered, 1), else_=0)),
            func.sum(case((d.stage == "failed", 1), else_=0)),
            func.sum(case((promised & (d.delivered_at <= src.orders.c.promised_at), 1), else_=0)),
            func.sum(case((promised, 1), else_=0)),
            func.avg(case((delivered & d.picked_up_at.is_not(None), took), else_=None)),
        )
        .select_from(base)
        .where(*where)
        .group_by(d.rider_id)
        .order_by(d.rider_id)
    )
    reasons: dict[str, dict[str, int]] = {}
    reason = func.coalesce(d.failure_reason, literal_column("'unknown'")).label("reason")
    reason_query = (
        select(d.rider_id, reason, func.count())
        .select_from(base)
        .where(*where, d.stage == "failed")
        .group_by(d.rider_id, reason)
    )
    for rider, reason, n in conn.execute(reason_query):
        reasons.setdefault(rider, {})[reason] = int(n)
    return [
        RiderFigures(
            rider_id=rider,
            store_id=store,
            deliveries=int(n),
            delivered=int(ok or 0),
            failed=int(bad or 0),
            on_time=int(on_time or 0),
            promised=int(prom or 0),
            average_delivery_s=None if avg is None else float(avg),
            failure_reasons=reasons.get(rider, {}),
        )
        for rider, store, n, ok, bad, on_time, prom, avg in conn.execute(query)
    ]


def kitchen_times(conn: AnyConn, scope: Scope) -> list[StationFigures]:
    prepare(conn)
    t = src.tickets.c
    st = src.stations.c
    took = seconds_between(conn, t.sent_at, t.bumped_at)
    done = t.bumped_at.is_not(None) & t.sent_at.is_not(None)
    query = (
        select(
            t.store_id,
            t.station_code,
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.avg(case((done, took), else_=None)),
            func.max(case((done, took), else_=None)),
            func.sum(case((done & (took > func.coalesce(st.late_after_s, 480)), 1), else_=0)),
        )
        .select_from(
            orders_with_stores()
            .join(src.tickets, t.order_id == src.orders.c.id)
            .outerjoin(src.stations, (st.store_id == t.store_id) & (st.code == t.station_code))
        )
        .where(in_days(conn, scope, counted_only=False))
        .group_by(t.store_id, t.station_code)
        .order_by(t.store_id, t.station_code)
    )
    return [
        StationFigures(
            store,
            code,
            int(n),
            int(b or 0),
            None if avg is None else float(avg),
            None if mx is None else float(mx),
            int(late or 0),
        )
        for store, code, n, b, avg, mx, late in conn.execute(query)
    ]
