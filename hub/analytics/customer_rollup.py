"""The customers' rollups: purchase days per store, local day and customer; first and last day per customer and store.

Rewritten by the rollup's refresh (:mod:`hub.analytics.rollup`) for the days of orders changed since
its watermark. A cohort's members are then a lookup of first days, not "no purchase before the period"
checked against every earlier order, and their months are read from the purchase days. The customers'
figures (active, new, returning, repeat buyers) are read the same way.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, delete, distinct, exists, func, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_days, in_stores, month_of, order_day, orders_with_stores
from hub.analytics.sales_queries import CohortCell, CustomerFigures
from hub.analytics.scope import Scope
from hub.analytics.tables import CustomerFirsts, PurchaseDay
from hub.kernel.sql_dialect import AnyConn, is_postgres, one_of, prepare

purchase_days = PurchaseDay.__table__  # type: ignore[attr-defined]
firsts = CustomerFirsts.__table__  # type: ignore[attr-defined]
CHUNK = 5_000
"""Customers whose first and last days are recomputed per statement."""


def _in_block(block: Scope) -> ColumnElement[bool]:
    assert block.store_ids is not None
    p = purchase_days.c
    return and_(p.store_id.in_(list(block.store_ids)), p.day >= block.day_from, p.day <= block.day_to)


def _customers_in(conn: AnyConn, block: Scope) -> set[str]:
    found = select(purchase_days.c.customer_id).where(_in_block(block)).distinct()
    return {str(c) for c in conn.execute(found).scalars()}


def rewrite_purchase_days(conn: AnyConn, block: Scope) -> int:
    """Recompute the block's purchase days from the counted orders, then the first and last days of every
    customer who had or has one there (in the block's stores). Returns those customers' number."""
    assert block.store_ids is not None
    before = _customers_in(conn, block)
    conn.execute(delete(purchase_days).where(_in_block(block)))
    o = src.orders.c
    day = order_day(conn).label("day")
    bought = (
        select(o.store_id, day, o.customer_id)
        .select_from(orders_with_stores())
        .where(in_days(conn, block), o.customer_id.is_not(None))
        .group_by(o.store_id, day, o.customer_id)
    )
    conn.execute(purchase_days.insert().from_select(["store_id", "day", "customer_id"], bought))
    customers = sorted(before | _customers_in(conn, block))
    stores = list(block.store_ids)
    p, f = purchase_days.c, firsts.c
    for start in range(0, len(customers), CHUNK):
        chunk = customers[start : start + CHUNK]
        conn.execute(delete(firsts).where(one_of(conn, f.customer_id, chunk), f.store_id.in_(stores)))
        spans = (
            select(p.customer_id, p.store_id, func.min(p.day), func.max(p.day))
            .where(one_of(conn, p.customer_id, chunk), p.store_id.in_(stores))
            .group_by(p.customer_id, p.store_id)
        )
        conn.execute(firsts.insert().from_select(["customer_id", "store_id", "first_day", "last_day"], spans))
    return len(customers)


def rollup_retention_cohorts(conn: AnyConn, scope: Scope) -> list[CohortCell]:
    """:func:`retention_cohorts` from the rollups (as fresh as their last refresh).

    Members: customers whose earliest first day in the scope's stores falls in the period (no store of
    the scope has an earlier one); their months: the purchase days of the period in those stores.
    """
    prepare(conn)
    f, earlier, p = firsts.c, firsts.alias("earlier").c, purchase_days.c
    members = (
        select(f.customer_id, func.min(f.first_day).label("first_day"))
        .where(
            f.first_day >= scope.day_from,
            f.first_day <= scope.day_to,
            in_stores(scope, f.store_id),
            ~exists().where(
                earlier.customer_id == f.customer_id,
                in_stores(scope, earlier.store_id),
                earlier.first_day < scope.day_from,
            ),
        )
        .group_by(f.customer_id)
        .subquery("members")
    )
    cohort = month_of(conn, members.c.first_day).label("cohort")
    month = month_of(conn, p.day).label("month")
    query = (
        select(cohort, month, func.count(distinct(p.customer_id)))
        .select_from(members.join(purchase_days, p.customer_id == members.c.customer_id))
        .where(p.day >= scope.day_from, p.day <= scope.day_to, in_stores(scope, p.store_id))
        .group_by(cohort, month)
    )
    counts = [(str(c), str(m), int(n)) for c, m, n in conn.execute(query)]
    sizes = {c: n for c, m, n in counts if c == m}
    cells = [CohortCell(c, m, n, sizes.get(c, 0)) for c, m, n in counts]
    return sorted(cells, key=lambda cell: (cell.cohort, cell.month))


def rollup_customer_figures(conn: AnyConn, scope: Scope) -> CustomerFigures:
    """Active customers (a purchase day in the period), new ones (no first day before it in the scope's
    stores), repeat buyers (two purchase days or more), from the rollups (as fresh as their last refresh).

    A purchase day is counted once however many of the scope's stores the customer bought in that day.
    """
    prepare(conn)
    p, f = purchase_days.c, firsts.c
    # Grouped by byte order on PostgreSQL (ids are ASCII): sorting the window's rows by the database's
    # collation was half of this query's time at 10M orders.
    customer = p.customer_id.collate("C") if is_postgres(conn) else p.customer_id
    per_customer = (
        select(customer.label("customer_id"), func.count(distinct(p.day)).label("n"))
        .where(p.day >= scope.day_from, p.day <= scope.day_to, in_stores(scope, p.store_id))
        .group_by(customer)
        .subquery("per_customer")
    )
    active_and_repeat = (
        select(
            func.count().label("active"),
            func.coalesce(func.sum(case((per_customer.c.n >= 2, 1), else_=0)), 0).label("repeat"),
        )
        .select_from(per_customer)
        .subquery("active_and_repeat")
    )
    # New: a first day in the period in one of the scope's stores and none before it in any of them. Looked
    # up from the few first days in the period (by their index), not for every active customer.
    earlier = firsts.alias("earlier")
    first_in_period = (
        select(f.customer_id)
        .where(f.first_day >= scope.day_from, f.first_day <= scope.day_to, in_stores(scope, f.store_id))
        .distinct()
        .subquery("first_in_period")
    )
    nothing_before = ~exists().where(
        earlier.c.customer_id == first_in_period.c.customer_id,
        in_stores(scope, earlier.c.store_id),
        earlier.c.first_day < scope.day_from,
    )
    new_ones = select(func.count()).select_from(first_in_period).where(nothing_before)
    query = select(active_and_repeat.c.active, active_and_repeat.c.repeat, new_ones.scalar_subquery())
    active, repeat, new = (int(v) for v in conn.execute(query).one())
    return CustomerFigures(active=active, new=new, returning=active - new, repeat_buyers=repeat)
