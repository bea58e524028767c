"""Product ranking (its rows; read from :mod:`hub.analytics.product_rollup`) and customers by area (delivery
drop-offs on a grid; ``GET /analytics/areas`` reads :mod:`hub.analytics.area_rollup`, the live query here is
the tests' and the bench's reference)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_days, orders_with_stores
from hub.analytics.scope import Scope
from hub.analytics.sql_time import AREA_CELL_DEG, grid_cell
from hub.kernel.sql_dialect import AnyConn, prepare


@dataclass(frozen=True)
class ProductRank:
    sku: str
    name: str
    quantity: int
    orders: int
    revenue_fen: int


@dataclass(frozen=True)
class AreaFigures:
    area: str
    """South-west corner of the grid cell, 'lat,lon'."""
    lat: float
    lon: float
    customers: int
    orders: int
    revenue_fen: int


def customers_by_area(conn: AnyConn, scope: Scope, limit: int = 100) -> list[AreaFigures]:
    """Delivery orders with a drop-off position, per grid cell: customers, orders, revenue."""
    prepare(conn)
    lat_cell = grid_cell(conn, src.orders.c.delivery_lat).label("lat_cell")
    lon_cell = grid_cell(conn, src.orders.c.delivery_lon).label("lon_cell")
    orders_n = func.count()
    query = (
        select(
            lat_cell,
            lon_cell,
            func.count(distinct(src.orders.c.customer_id)),
            orders_n,
            func.sum(src.orders.c.total_fen),
        )
        .select_from(orders_with_stores())
        .where(in_days(conn, scope), src.orders.c.delivery_lat.is_not(None), src.orders.c.delivery_lon.is_not(None))
        .group_by(lat_cell, lon_cell)
        .order_by(orders_n.desc(), lat_cell, lon_cell)
        .limit(limit)
    )
    return area_figures(conn.execute(query))


def area_figures(rows: Iterable[Any]) -> list[AreaFigures]:
    """Rows of (lat cell, lon cell, customers, orders, revenue) as figures named by the cell's corner."""
    out = []
    for la, lo, customers, n, revenue in rows:
        lat, lon = round(int(la) * AREA_CELL_DEG, 2), round(int(lo) * AREA_CELL_DEG, 2)
        out.append(AreaFigures(f"{lat:.2f},{lon:.2f}", lat, lon, int(customers), int(n), int(revenue)))
    return out
