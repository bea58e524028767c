"""The custom report's fixed catalogue: dimensions and measures, each a SQL expression.

Two grains: orders, and order lines (when ``sku`` or a line measure is picked). Sums over whole
orders (revenue, discounts, fees) would repeat once per line, so they are refused at line grain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, distinct, func

from hub.analytics import sources as src
from hub.analytics.local_days import month_of, order_day
from hub.analytics.sql_time import AREA_CELL_DEG, grid_cell
from hub.kernel.sql_dialect import AnyConn, local_hour


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    build: Callable[[AnyConn], ColumnElement[Any]]
    line_grain: bool = False
    filterable: bool = False


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    build: Callable[[AnyConn], ColumnElement[Any]]
    line_grain: bool = False
    """Only meaningful per line (quantity)."""
    order_sum: bool = False
    """A sum over orders: wrong at line grain."""


def _area(conn: AnyConn) -> ColumnElement[Any]:
    lat = grid_cell(conn, src.orders.c.delivery_lat)
    lon = grid_cell(conn, src.orders.c.delivery_lon)
    return cast(lat, String) + ":" + cast(lon, String)


DIMENSIONS = {
    d.name: d
    for d in (
        Dimension("day", "Day (store's local) / 日期", order_day),
        Dimension("month", "Month / 月份", lambda conn: month_of(conn, order_day(conn))),
        Dimension(
            "hour",
            "Hour (store's local) / 小时",
            lambda conn: local_hour(conn, src.orders.c.placed_at, src.stores.c.timezone),
        ),
        Dimension("store", "Store / 门店", lambda _c: src.orders.c.store_id, filterable=True),
        Dimension("channel", "Channel / 渠道", lambda _c: src.orders.c.channel, filterable=True),
        Dimension("fulfilment", "Fulfilment / 履约方式", lambda _c: src.orders.c.fulfilment, filterable=True),
        Dimension("area", f"Area ({AREA_CELL_DEG} degree cell) / 区域", _area),
        Dimension("sku", "Product / 商品", lambda _c: src.lines.c.sku, line_grain=True, filterable=True),
    )
}

MEASURES = {
    m.name: m
    for m in (
        Measure("orders", "Orders / 订单数", lambda _c: func.count(distinct(src.orders.c.id))),
        Measure("customers", "Customers / 顾客数", lambda _c: func.count(distinct(src.orders.c.customer_id))),
        Measure(
            "revenue_fen", "Revenue (fen) / 营业额(分)", lambda _c: func.sum(src.orders.c.total_fen), order_sum=True
        ),
        Measure(
            "discount_fen", "Discounts (fen) / 优惠(分)", lambda _c: func.sum(src.orders.c.discount_fen), order_sum=True
        ),
        Measure(
            "delivery_fee_fen",
            "Delivery fees (fen) / 配送费(分)",
            lambda _c: func.sum(src.orders.c.delivery_fee_fen),
            order_sum=True,
        ),
        Measure(
            "average_order_fen",
            "Average order (fen) / 客单价(分)",
            lambda _c: func.avg(src.orders.c.total_fen),
            order_sum=True,
        ),
        Measure("quantity", "Quantity / 件数", lambda _c: func.sum(src.lines.c.quantity), line_grain=True),
        Measure(
            "line_revenue_fen",
            "Line revenue (fen) / 商品销售额(分)",
            lambda _c: func.sum(src.lines.c.total_fen),
            line_grain=True,
        ),
    )
}
