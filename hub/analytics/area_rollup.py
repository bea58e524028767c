"""The areas' rollup: per local day, store, drop-off grid cell and customer, the counted delivery orders and revenue.

Rewritten by the rollup's refresh (:mod:`hub.analytics.rollup`) for the days of orders changed since its
watermark (an order's drop-off position and customer belong to the order, so a change to either changes it).
``GET /analytics/areas`` then reads the window's rows instead of its orders: no join to the stores, no local
day or grid cell per order. A cell's customers are distinct over the window, not a sum of per-day counts, so
the rows keep the customer: the read adds up each (cell, customer) first, then counts those with a customer
per cell. Orders with no customer are one row per (day, store, cell) under :data:`NO_CUSTOMER`: in the
orders and revenue, not in the customers, as in :func:`hub.analytics.catalogue_queries.customers_by_area`.
"""

from __future__ import annotations

from sqlalchemy import case, delete, func, literal, select

from hub.analytics import sources as src
from hub.analytics.catalogue_queries import AreaFigures, area_figures
from hub.analytics.local_days import in_days, in_stores, order_day, orders_with_stores
from hub.analytics.scope import Scope
from hub.analytics.sql_time import grid_cell
from hub.analytics.tables import NO_CUSTOMER, DailyAreaCustomers
from hub.kernel.sql_dialect import AnyConn, prepare

areas_daily = DailyAreaCustomers.__table__  # type: ignore[attr-defined]
COLUMNS = ["day", "store_id", "lat_cell", "lon_cell", "customer_id", "orders", "revenue_fen"]


def rewrite_area_days(conn: AnyConn, block: Scope) -> None:
    """Recompute the block's (store, day) rows from the counted orders with a drop-off position."""
    assert block.store_ids is not None
    a, o = areas_daily.c, src.orders.c
    conn.execute(
        delete(areas_daily).where(a.store_id.in_(list(block.store_ids)), a.day >= block.day_from, a.day <= block.day_to)
    )
    day = order_day(conn).label("day")
    lat_cell = grid_cell(conn, o.delivery_lat).label("lat_cell")
    lon_cell = grid_cell(conn, o.delivery_lon).label("lon_cell")
    customer = func.coalesce(o.customer_id, literal(NO_CUSTOMER)).label("customer")
    cells = (
        select(day, o.store_id, lat_cell, lon_cell, customer, func.count(), func.sum(o.total_fen))
        .select_from(orders_with_stores())
        .where(in_days(conn, block), o.delivery_lat.is_not(None), o.delivery_lon.is_not(None))
        .group_by(day, o.store_id, lat_cell, lon_cell, customer)
    )
    conn.execute(areas_daily.insert().from_select(COLUMNS, cells))


def rollup_customers_by_area(conn: AnyConn, scope: Scope, limit: int = 100) -> list[AreaFigures]:
    """:func:`customers_by_area` from the rollup (as fresh as its last refresh): the cells with the most
    orders, then by cell; customers distinct over the window and the scope's stores."""
    prepare(conn)
    a = areas_daily.c
    per_customer = (
        select(
            a.lat_cell,
            a.lon_cell,
            a.customer_id,
            func.sum(a.orders).label("orders"),
            func.sum(a.revenue_fen).label("revenue_fen"),
        )
        .where(a.day >= scope.day_from, a.day <= scope.day_to, in_stores(scope, a.store_id))
        .group_by(a.lat_cell, a.lon_cell, a.customer_id)
        .subquery("per_customer")
    )
    c = per_customer.c
    orders_n = func.sum(c.orders)
    query = (
        select(
            c.lat_cell,
            c.lon_cell,
            func.sum(case((c.customer_id == NO_CUSTOMER, 0), else_=1)),
            orders_n,
            func.sum(c.revenue_fen),
        )
        .group_by(c.lat_cell, c.lon_cell)
        .order_by(orders_n.desc(), c.lat_cell, c.lon_cell)
        .limit(limit)
    )
    return area_figures(conn.execute(query))
