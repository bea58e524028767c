"""The products' rollup: per store, local day and sku, the product ranking's quantities, orders and revenue.

Rewritten by the rollup's refresh (:mod:`hub.analytics.rollup`) for the days of orders changed since its
watermark (a line added or cancelled changes its order), so ``GET /analytics/products`` adds up a few
rows per product and day instead of joining the window's orders to their lines.
"""

from __future__ import annotations

from sqlalchemy import delete, distinct, func, select

from hub.analytics import sources as src
from hub.analytics.catalogue_queries import ProductRank
from hub.analytics.local_days import in_days, in_stores, order_day, orders_with_stores
from hub.analytics.scope import Scope
from hub.analytics.tables import DailyProducts
from hub.kernel.sql_dialect import AnyConn, prepare

products_daily = DailyProducts.__table__  # type: ignore[attr-defined]
COLUMNS = ["store_id", "day", "sku", "name", "quantity", "orders", "revenue_fen"]


def rewrite_product_days(conn: AnyConn, block: Scope) -> None:
    """Recompute the block's (store, day) rows from the counted orders' lines that are not cancelled."""
    assert block.store_ids is not None
    p, o, line = products_daily.c, src.orders.c, src.lines.c
    conn.execute(
        delete(products_daily).where(
            p.store_id.in_(list(block.store_ids)), p.day >= block.day_from, p.day <= block.day_to
        )
    )
    day = order_day(conn).label("day")
    cells = (
        select(
            o.store_id,
            day,
            line.sku,
            func.max(line.name),
            func.sum(line.quantity),
            func.count(distinct(line.order_id)),
            func.sum(line.total_fen),
        )
        .select_from(orders_with_stores().join(src.lines, line.order_id == o.id))
        .where(in_days(conn, block), line.cancelled.is_(False))
        .group_by(o.store_id, day, line.sku)
    )
    conn.execute(products_daily.insert().from_select(COLUMNS, cells))


def rollup_product_ranking(conn: AnyConn, scope: Scope, limit: int = 20) -> list[ProductRank]:
    """Best sellers by line revenue (cancelled lines left out) in counted orders, from the rollup
    (as fresh as its last refresh)."""
    prepare(conn)
    p = products_daily.c
    revenue = func.sum(p.revenue_fen)
    query = (
        select(p.sku, func.max(p.name), func.sum(p.quantity), func.sum(p.orders), revenue)
        .where(p.day >= scope.day_from, p.day <= scope.day_to, in_stores(scope, p.store_id))
        .group_by(p.sku)
        .order_by(revenue.desc(), p.sku)
        .limit(limit)
    )
    return [ProductRank(sku, name, int(q), int(n), int(r)) for sku, name, q, n, r in conn.execute(query)]
