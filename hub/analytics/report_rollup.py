"""The custom report from the rollups, when its dimensions, filters and measures allow it.

Two shapes are answered without reading orders:

- order grain: dimensions among store, day and month, filtered by store, measuring orders, revenue,
  average order and customers, from ``analytics_daily_sales`` (customers: distinct ones of
  ``analytics_purchase_days``, which holds the counted orders' customers per store and day);
- line grain with ``sku`` among the dimensions (others among store, day and month), filtered by store
  or sku, measuring orders, quantity and line revenue, from ``analytics_daily_products`` (an order is
  counted once per product, so per-product order counts add up over stores and days).

Anything else (hour, channel, fulfilment or area; discounts and fees; orders over several products) is
left to the live SQL of :mod:`hub.analytics.report_query`. The figures are those of the live SQL, as fresh
as the rollups' last refresh.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, Numeric, Select, and_, cast, distinct, func, select, true
from sqlalchemy.sql.expression import FromClause, TableClause

from hub.analytics.local_days import in_stores, month_of
from hub.analytics.scope import Scope
from hub.analytics.tables import DailyProducts, DailySales, PurchaseDay
from hub.kernel.sql_dialect import AnyConn, is_postgres

sales_daily = DailySales.__table__  # type: ignore[attr-defined]
purchase_days = PurchaseDay.__table__  # type: ignore[attr-defined]
products_daily = DailyProducts.__table__  # type: ignore[attr-defined]

DAY_DIMENSIONS = {"store", "day", "month"}
ORDER_MEASURES = {"orders", "revenue_fen", "average_order_fen", "customers"}
LINE_MEASURES = {"orders", "quantity", "line_revenue_fen"}


def _dimension(conn: AnyConn, name: str, table: TableClause) -> ColumnElement[Any]:
    if name == "month":
        return month_of(conn, table.c.day)
    column: ColumnElement[Any] = table.c[{"store": "store_id", "day": "day", "sku": "sku"}[name]]
    return column


def _where(conn: AnyConn, table: TableClause, scope: Scope, filters: dict[str, list[str]]) -> list[ColumnElement[bool]]:
    c = table.c
    kept = [_dimension(conn, name, table).in_(values) for name, values in filters.items()]
    return [c.day >= scope.day_from, c.day <= scope.day_to, in_stores(scope, c.store_id), *kept]


def _ratio(conn: AnyConn, revenue: Any, orders: Any) -> ColumnElement[Any]:
    """AVG(total_fen) as the live SQL computes it: exact numeric on PostgreSQL, floating point on SQLite."""
    return cast(revenue, Numeric if is_postgres(conn) else Float) / orders  # type: ignore[no-any-return]


def _order_grain(
    conn: AnyConn, scope: Scope, dimensions: list[str], measures: list[str], filters: dict[str, list[str]]
) -> Select[Any]:
    s, p = sales_daily, purchase_days
    by_day = [_dimension(conn, n, s).label(n) for n in dimensions]
    sales = (
        select(
            *by_day,
            func.sum(s.c.orders).label("orders"),
            func.sum(s.c.revenue_fen).label("revenue_fen"),
        )
        .where(*_where(conn, s, scope, filters))
        .group_by(*by_day)
        .subquery("sales")
    )
    built: dict[str, ColumnElement[Any]] = {
        "orders": sales.c.orders,
        "revenue_fen": sales.c.revenue_fen,
        "average_order_fen": _ratio(conn, sales.c.revenue_fen, sales.c.orders),
    }
    source: FromClause = sales
    if "customers" in measures:  # distinct customers of the group's purchase days, joined on its dimensions
        bought = [_dimension(conn, n, p).label(n) for n in dimensions]
        customers = (
            select(*bought, func.count(distinct(p.c.customer_id)).label("n"))
            .where(*_where(conn, p, scope, filters))
            .group_by(*bought)
            .subquery("customers")
        )
        source = sales.outerjoin(customers, and_(true(), *[sales.c[n] == customers.c[n] for n in dimensions]))
        built["customers"] = func.coalesce(customers.c.n, 0)
    return select(*[sales.c[n].label(n) for n in dimensions], *[built[m].label(m) for m in measures]).select_from(
        source
    )


def _line_grain(
    conn: AnyConn, scope: Scope, dimensions: list[str], measures: list[str], filters: dict[str, list[str]]
) -> Select[Any]:
    t = products_daily
    columns = [_dimension(conn, n, t).label(n) for n in dimensions]
    built = {
        "orders": func.sum(t.c.orders),
        "quantity": func.sum(t.c.quantity),
        "line_revenue_fen": func.sum(t.c.revenue_fen),
    }
    return (
        select(*columns, *[built[m].label(m) for m in measures])
        .where(*_where(conn, t, scope, filters))
        .group_by(*columns)
    )


def rollup_report_query(
    conn: AnyConn, scope: Scope, dimensions: list[str], measures: list[str], filters: dict[str, list[str]]
) -> Select[Any] | None:
    """The report's rows from the rollups (unsorted, unlimited), or None when they cannot give them."""
    dims, wanted, filtered = set(dimensions), set(measures), set(filters)
    if dims <= DAY_DIMENSIONS and filtered <= {"store"} and wanted <= ORDER_MEASURES:
        return _order_grain(conn, scope, dimensions, measures, filters)
    if "sku" in dims and dims <= DAY_DIMENSIONS | {"sku"} and filtered <= {"store", "sku"} and wanted <= LINE_MEASURES:
        return _line_grain(conn, scope, dimensions, measures, filters)
    return None
