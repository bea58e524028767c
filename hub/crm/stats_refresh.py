"""Per-customer order figures, aggregated from the orders table in the database (GROUP BY).

``refresh_customers`` recomputes the figures of some customers (those whose orders changed,
those whose rolling window moved past an order) or of everyone (a full rebuild). The result
is the same whichever way a row was last refreshed: there is no running total to drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, false, func, literal, or_, select, true
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.as_of import AsOf
from hub.crm.config import CrmConfig
from hub.crm.segments import MEMBER_TIER, Lifecycle, Segment
from hub.crm.stats_tables import CustomerStats
from hub.customers.api import Customer
from hub.db_types import UTCDateTime
from hub.kernel.business_days import day_start
from hub.kernel.sql_dialect import execute_count, insert_for, local_date, local_hour, one_of, predicted_next, prepare
from hub.orders.api import Order
from hub.stores.api import Store

orders = Order.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]
stores = Store.__table__  # type: ignore[attr-defined]
stats = CustomerStats.__table__  # type: ignore[attr-defined]

NOT_COUNTED = ("cancelled", "failed")
"""Orders in these states are not part of anyone's statistics."""

FIGURES = (
    "timezone",
    "orders_count",
    "purchase_days",
    "spend_fen",
    "first_order_at",
    "last_order_at",
    "window_orders",
    "window_purchase_days",
    "window_spend_fen",
    "window_oldest_at",
    "night_orders",
    "discounted_orders",
    "office_orders",
    "predicted_next_at",
    "scoring_group",
    "refreshed_at",
)
COLUMNS = ["customer_id", *FIGURES, "segment", "lifecycle", "tier"]
MAX_STALE_ROUNDS = 10_000


def night_condition(hour: ColumnElement[int], config: CrmConfig) -> ColumnElement[bool]:
    start, end = config.night_start_hour, config.night_end_hour
    if start == end:
        return false()
    if start > end:
        return or_(hour >= start, hour < end)
    return and_(hour >= start, hour < end)


def _office_condition(config: CrmConfig) -> ColumnElement[bool]:
    words = [w for w in config.office_keywords if w.strip()]
    if not words:
        return false()
    return or_(*[orders.c.delivery_address.contains(w, autoescape=True) for w in words])


def store_timezones(conn: Connection | Session) -> list[str]:
    return sorted(set(conn.execute(select(stores.c.timezone).distinct()).scalars()))


def _counted_until(conn: Connection | Session, as_of: AsOf | None, zone: Any) -> ColumnElement[bool]:
    """Orders placed after the as-of moment are left out (a day ends in each store's own zone)."""
    if as_of is None:
        return true()
    placed: ColumnElement[datetime] = orders.c.placed_at
    if as_of.day is None:
        return placed <= literal(as_of.moment, UTCDateTime)
    after = as_of.day + timedelta(days=1)
    ends = {tz: literal(day_start(after, tz), UTCDateTime) for tz in store_timezones(conn)}
    if not ends:  # no store, so no order
        return placed <= literal(as_of.moment, UTCDateTime)
    return placed < case(ends, value=zone, else_=literal(as_of.moment, UTCDateTime))


def _aggregate(
    conn: Connection | Session,
    window_start: datetime,
    config: CrmConfig,
    only: Sequence[str] | None,
    as_of: AsOf | None,
) -> Any:
    """Per customer, in two steps: per (customer, local day), then per customer (a day is one visit).

    Two plain GROUP BYs hash-aggregate; a COUNT(DISTINCT day) would sort every order.
    """
    order_store = stores.alias("order_store")
    in_window = orders.c.placed_at >= window_start
    night = night_condition(local_hour(conn, orders.c.placed_at, order_store.c.timezone), config)
    day = local_date(conn, orders.c.placed_at, order_store.c.timezone)
    per_day = (
        select(
            orders.c.customer_id.label("customer_id"),
            func.count().label("n"),
            func.sum(orders.c.total_fen).label("spend"),
            func.min(orders.c.placed_at).label("first_at"),
            func.max(orders.c.placed_at).label("last_at"),
            func.sum(case((in_window, 1), else_=0)).label("wn"),
            func.sum(case((in_window, orders.c.total_fen), else_=0)).label("wspend"),
            func.min(case((in_window, orders.c.placed_at))).label("woldest"),
            func.sum(case((night, 1), else_=0)).label("night"),
            func.sum(case((orders.c.discount_fen > 0, 1), else_=0)).label("disc"),
            func.sum(case((_office_condition(config), 1), else_=0)).label("office"),
            func.max(order_store.c.timezone).label("zone"),
        )
        .select_from(orders.join(order_store, order_store.c.id == orders.c.store_id))
        .where(
            orders.c.customer_id.is_not(None),
            orders.c.status.not_in(NOT_COUNTED),
            _counted_until(conn, as_of, order_store.c.timezone),
        )
        .group_by(orders.c.customer_id, day)
    )
    if only is not None:
        per_day = per_day.where(one_of(conn, orders.c.customer_id, only))
    days = per_day.subquery("days")
    return (
        select(
            days.c.customer_id,
            func.sum(days.c.n).label("n"),
            func.count().label("days"),
            func.sum(days.c.spend).label("spend"),
            func.min(days.c.first_at).label("first_at"),
            func.max(days.c.last_at).label("last_at"),
            func.sum(days.c.wn).label("wn"),
            func.sum(case((days.c.wn > 0, 1), else_=0)).label("wdays"),
            func.sum(days.c.wspend).label("wspend"),
            func.min(days.c.woldest).label("woldest"),
            func.sum(days.c.night).label("night"),
            func.sum(days.c.disc).label("disc"),
            func.sum(days.c.office).label("office"),
            func.max(days.c.zone).label("zone"),
        )
        .group_by(days.c.customer_id)
        .subquery("agg")
    )


def _group_of(config: CrmConfig, store_id: Any) -> ColumnElement[str]:
    """The scoring group of a home store ("" for stores in no group, and for no home store)."""
    if not config.scoring_groups:
        return literal("")
    whens = [(store_id.in_(sorted(ids)), name) for name, ids in sorted(config.scoring_groups.items())]
    return case(*whens, else_="")


def refresh_customers(
    conn: Connection | Session,
    customer_ids: Sequence[str] | None,
    *,
    now: datetime,
    config: CrmConfig,
    default_timezone: str,
    as_of: AsOf | None = None,
) -> int:
    """Recompute the figures of these customers (None: of every customer). Rows written.

    ``as_of``: the figures at that past moment (orders placed later are left out).
    """
    prepare(conn)
    only = sorted(set(customer_ids)) if customer_ids is not None else None
    if only is not None and not only:
        return 0
    window_start = now - timedelta(days=config.window_days)
    agg = _aggregate(conn, window_start, config, only, as_of)
    home = stores.alias("home_store")
    selected = select(
        customers.c.id,
        func.coalesce(home.c.timezone, agg.c.zone, default_timezone),
        func.coalesce(agg.c.n, 0),
        func.coalesce(agg.c.days, 0),
        func.coalesce(agg.c.spend, 0),
        agg.c.first_at,
        agg.c.last_at,
        func.coalesce(agg.c.wn, 0),
        func.coalesce(agg.c.wdays, 0),
        func.coalesce(agg.c.wspend, 0),
        agg.c.woldest,
        func.coalesce(agg.c.night, 0),
        func.coalesce(agg.c.disc, 0),
        func.coalesce(agg.c.office, 0),
        predicted_next(conn, agg.c.first_at, agg.c.last_at, agg.c.days),
        _group_of(config, customers.c.home_store_id),
        literal(now, UTCDateTime),
        literal(Segment.PROSPECT.value),
        literal(Lifecycle.PROSPECT.value),
        literal(MEMBER_TIER),
    ).select_from(
        customers.outerjoin(home, home.c.id == customers.c.home_store_id).outerjoin(
            agg, agg.c.customer_id == customers.c.id
        )
    )
    selected = selected.where(customers.c.merged_into_id.is_(None))
    if only is not None:
        selected = selected.where(one_of(conn, customers.c.id, only))
    insert = insert_for(conn)(stats).from_select(COLUMNS, selected)
    insert = insert.on_conflict_do_update(
        index_elements=["customer_id"], set_={name: insert.excluded[name] for name in FIGURES}
    )
    written = execute_count(conn, insert)
    merged = select(customers.c.id).where(customers.c.merged_into_id.is_not(None))
    if only is not None:
        merged = merged.where(one_of(conn, customers.c.id, only))
    conn.execute(delete(stats).where(stats.c.customer_id.in_(merged)))
    return written


def refresh_stale(
    conn: Connection | Session, *, now: datetime, config: CrmConfig, default_timezone: str, batch_size: int = 5000
) -> list[str]:
    """Refresh every customer whose rolling window has moved past one of their orders; their ids."""
    window_start = now - timedelta(days=config.window_days)
    done: list[str] = []
    for _ in range(MAX_STALE_ROUNDS):
        ids = list(
            conn.execute(
                select(stats.c.customer_id).where(stats.c.window_oldest_at < window_start).limit(batch_size)
            ).scalars()
        )
        if not ids:
            break
        refresh_customers(conn, ids, now=now, config=config, default_timezone=default_timezone)
        done.extend(ids)
    return done
