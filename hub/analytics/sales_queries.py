"""Sales figures: revenue, orders and average order value per local day; customers; cohorts.

The live SQL here is what the rollups (:mod:`hub.analytics.rollup`) are checked against; the customers'
figures are read from the purchase-day rollups only (:func:`hub.analytics.customer_rollup.rollup_customer_figures`).

Counted orders are those not cancelled or failed. A purchase day is a customer's local day with
at least one counted order: two orders (or ten lines) on one day are one purchase day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import distinct, exists, func, literal, select

from hub.analytics import sources as src
from hub.analytics.local_days import (
    day_value,
    in_days,
    in_stores,
    month_of,
    order_day,
    orders_with_stores,
    read_day,
    utc_window,
)
from hub.analytics.scope import Scope
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import AnyConn, local_date, prepare


@dataclass(frozen=True)
class DaySales:
    day: date
    orders: int
    revenue_fen: int

    @property
    def average_order_fen(self) -> int:
        return round(self.revenue_fen / self.orders) if self.orders else 0


@dataclass(frozen=True)
class CustomerFigures:
    active: int
    new: int
    returning: int
    repeat_buyers: int
    """Active customers with at least two purchase days in the period."""

    @property
    def repeat_rate(self) -> float:
        return self.repeat_buyers / self.active if self.active else 0.0


@dataclass(frozen=True)
class CohortCell:
    cohort: str
    """'YYYY-MM' of the customers' first purchase day."""
    month: str
    customers: int
    cohort_size: int

    @property
    def offset(self) -> int:
        (y0, m0), (y1, m1) = (map(int, self.cohort.split("-")), map(int, self.month.split("-")))
        return (y1 - y0) * 12 + (m1 - m0)

    @property
    def share(self) -> float:
        return self.customers / self.cohort_size if self.cohort_size else 0.0


def sales_by_day(conn: AnyConn, scope: Scope) -> list[DaySales]:
    """One row per local day of the scope, days without sales included."""
    prepare(conn)
    day = order_day(conn).label("day")
    query = (
        select(day, func.count(), func.coalesce(func.sum(src.orders.c.total_fen), 0))
        .select_from(orders_with_stores())
        .where(in_days(conn, scope))
        .group_by(day)
    )
    found = {read_day(d): (int(n), int(r)) for d, n, r in conn.execute(query)}
    return [DaySales(d, *found.get(d, (0, 0))) for d in scope.days]


def _purchase_days(conn: AnyConn, scope: Scope) -> Any:
    day = order_day(conn)
    return (
        select(src.orders.c.customer_id.label("customer_id"), day.label("day"))
        .select_from(orders_with_stores())
        .where(in_days(conn, scope), src.orders.c.customer_id.is_not(None))
        .group_by(src.orders.c.customer_id, day)
        .subquery("purchase_days")
    )


def _bought_before(conn: AnyConn, scope: Scope, customer_id: Any) -> Any:
    """The customer has a counted order in the scope's stores on a local day before the period."""
    earlier, earlier_store = src.orders.alias("earlier"), src.stores.alias("earlier_store")
    _, before_end = utc_window(scope.day_from, scope.day_from)
    return exists().where(
        earlier.c.customer_id == customer_id,
        earlier.c.status.not_in(src.NOT_COUNTED),
        in_stores(scope, earlier.c.store_id),
        earlier.c.placed_at < literal(before_end, UTCDateTime),
        earlier_store.c.id == earlier.c.store_id,
        local_date(conn, earlier.c.placed_at, earlier_store.c.timezone) < day_value(conn, scope.day_from),
    )


def retention_cohorts(conn: AnyConn, scope: Scope) -> list[CohortCell]:
    """Customers whose first purchase day (in these stores, ever) falls in the period, by month.

    For each cohort and each month of the period from the cohort's: how many of them bought then.
    Reads the period's orders only: "first" is checked as "no purchase before the period".
    """
    prepare(conn)
    days = _purchase_days(conn, scope)
    firsts = (
        select(days.c.customer_id, func.min(days.c.day).label("first_day"))
        .group_by(days.c.customer_id)
        .subquery("firsts")
    )
    newcomers = select(firsts).where(~_bought_before(conn, scope, firsts.c.customer_id)).subquery("newcomers")
    cohort = month_of(conn, newcomers.c.first_day).label("cohort")
    month = month_of(conn, days.c.day).label("month")
    query = (
        select(cohort, month, func.count(distinct(days.c.customer_id)))
        .select_from(days.join(newcomers, newcomers.c.customer_id == days.c.customer_id))
        .group_by(cohort, month)
    )
    counts = [(str(c), str(m), int(n)) for c, m, n in conn.execute(query)]
    sizes = {c: n for c, m, n in counts if c == m}
    cells = [CohortCell(c, m, n, sizes.get(c, 0)) for c, m, n in counts]
    return sorted(cells, key=lambda cell: (cell.cohort, cell.month))
