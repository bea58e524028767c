"""Dashboard queries over a large order history on PostgreSQL: each must answer in under 2 s.

The data is generated in the database (generate_series, bounded by --orders): 20 stores (one in
Urumqi's zone), N/8 customers joining over two years, orders over the last two years (recent
days denser, 1 in 20 cancelled, 1 in 50 failed), one line, one delivery and one kitchen ticket
per order. Then the rollups' first build (or, on an existing database, what a migration reset),
one refresh as the hub's job runs it, and each dashboard query of ``/analytics`` as the API
answers it, over the default dashboard window (the last 30 days), chain-wide and for one store;
each is run three times and the slowest run is reported. ``sales`` is measured twice: with the
rollup fresh, and with one order per store changed since the refresh (today recounted live).

    .venv/bin/python bench/analytics.py --orders 10000000          # the target
    .venv/bin/python bench/analytics.py --orders 1000000           # a quick check
    .venv/bin/python bench/analytics.py --url postgresql+psycopg://.../db --skip-generate
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench_support import postgres
from sqlalchemy import text

from hub.analytics.area_rollup import rollup_customers_by_area
from hub.analytics.campaign_queries import campaign_funnel
from hub.analytics.catalogue_queries import customers_by_area
from hub.analytics.customer_rollup import rollup_customer_figures, rollup_retention_cohorts
from hub.analytics.operations_queries import kitchen_times, rider_performance
from hub.analytics.product_rollup import rollup_product_ranking
from hub.analytics.report_query import ReportSpec, run_report
from hub.analytics.rider_rollup import DELIVERIES_UPDATED_AT, rollup_rider_performance
from hub.analytics.rollup import ROLLUP_TABLES, current_sales_by_day, refresh_rollups
from hub.analytics.sales_queries import retention_cohorts
from hub.analytics.scope import Scope
from hub.analytics.station_rollup import TICKETS_UPDATED_AT, rollup_kitchen_times
from hub.db import Database
from hub.migrate import upgrade
from hub.orders.api import orders_table

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"
STORES = 20
LIMIT_S = 2.0
LIVE_DAYS_MAX = 500
"""The hub's default ``analytics_live_days_max``."""


@contextlib.contextmanager
def database(url: str | None, keep: bool) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with postgres("brigade_analytics_bench", keep=keep) as created:
        yield created


def step(label: str, results: dict[str, float], run: Callable[[], Any]) -> Any:
    print(f"... {label}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    value = run()
    results[label] = round(time.perf_counter() - started, 2)
    print(f"    {results[label]:.2f} s", file=sys.stderr, flush=True)
    return value


GENERATE = [
    (
        "stores, stations, riders",
        [
            "INSERT INTO stores (id, name, timezone, address, created_at) SELECT 'b' || g, '店' || g,"
            " CASE WHEN g = 0 THEN 'Asia/Urumqi' ELSE :tz END, '', :now FROM generate_series(0, :stores - 1) g",
            "INSERT INTO stations (store_id, code, name, warn_after_s, late_after_s) SELECT 'b' || g, s, s, 300, 480"
            " FROM generate_series(0, :stores - 1) g, unnest(ARRAY['wok', 'bar']) s",
            "INSERT INTO riders (id, store_id, name, capacity, active, created_at, positions_dropped)"
            " SELECT 'b' || g || '-r' || r, 'b' || g, 'r' || r, 6, true, :now, 0"
            " FROM generate_series(0, :stores - 1) g, generate_series(0, 7) r",
        ],
    ),
    (
        "customers",
        [
            "INSERT INTO customers (id, display_name, home_store_id, created_at, updated_at)"
            " SELECT 'c' || g, '', 'b' || (g % :stores), :now, :now FROM generate_series(1, :customers) g",
        ],
    ),
    (
        "orders",
        [
            "INSERT INTO orders (id, store_id, channel, external_id, key_scope, order_number, customer_id, status,"
            " fulfilment, subtotal_fen, delivery_fee_fen, discount_fen, total_fen, currency, delivery_lat,"
            " delivery_lon, promised_at, placed_at, updated_at, revision)"
            " SELECT 'o' || g, 'b' || (c % :stores), 'bench', g::text, '', g::text,"
            "  CASE WHEN g % 20 = 7 THEN NULL ELSE 'c' || c END,"
            "  CASE WHEN g % 20 = 0 THEN 'cancelled' WHEN g % 50 = 1 THEN 'failed' ELSE 'delivered' END,"
            "  'delivery', amount, 500, 0, amount + 500, 'CNY', 31.1 + random() * 0.3, 121.3 + random() * 0.3,"
            "  placed + interval '45 minutes', placed, placed, 1"
            " FROM (SELECT g, placed,"
            "   1 + floor(random() * greatest(1, :customers * (1 - extract(epoch FROM :now - placed) / 63072000)))::int"
            "   AS c, 1500 + floor(random() * 18000)::int AS amount"
            "  FROM (SELECT g, :now - power(random(), 1.4) * interval '730 days' AS placed"
            "   FROM generate_series(1, :orders) g) t) src",
        ],
    ),
    (
        "order lines",
        [
            "INSERT INTO order_lines (id, order_id, line_no, sku, name, quantity, unit_price_fen, total_fen,"
            " modifiers, station_codes, allergens, cancelled)"
            " SELECT 'l' || id, id, 1, 'S' || (hashtext(id) & 63), '菜' || (hashtext(id) & 63), 1, subtotal_fen,"
            " subtotal_fen, '[]', '[\"wok\"]', '[]', false FROM orders",
        ],
    ),
    (
        "deliveries",
        [
            "INSERT INTO deliveries (order_id, store_id, rider_id, stage, code, pinned, picked_up_at, delivered_at,"
            " failed_at, failure_reason, updated_at)"
            " SELECT id, store_id, store_id || '-r' || (hashtext(id) & 7),"
            "  CASE status WHEN 'delivered' THEN 'delivered' WHEN 'failed' THEN 'failed' ELSE 'cancelled' END, '1234',"
            "  false, placed_at + interval '15 minutes',"
            "  CASE WHEN status = 'delivered' THEN placed_at + (20 + (hashtext(id) & 31)) * interval '1 minute' END,"
            "  CASE WHEN status = 'failed' THEN placed_at + interval '40 minutes' END,"
            "  CASE WHEN status = 'failed'"
            "  THEN (ARRAY['no_answer', 'wrong_address', 'refused'])[1 + (hashtext(id) & 65535) % 3] END,"
            "  placed_at FROM orders",
        ],
    ),
    (
        "kitchen tickets",
        [
            "INSERT INTO kitchen_tickets (ticket_id, order_id, store_id, station_code, revision, created_at, sent_at,"
            " bumped_at) SELECT id || '-wok', id, store_id, 'wok', 1, placed_at, placed_at + interval '5 seconds',"
            " placed_at + (60 + (hashtext(id) & 511)) * interval '1 second' FROM orders",
        ],
    ),
]


def generate(db: Database, customers: int, orders: int, results: dict[str, float]) -> None:
    indexed = [*orders_table.indexes, DELIVERIES_UPDATED_AT, TICKETS_UPDATED_AT]
    with db.engine.connect() as conn:
        for index in indexed:
            index.drop(conn)
        conn.commit()
    params = {"tz": TZ, "now": NOW, "stores": STORES, "customers": customers, "orders": orders}
    for label, statements in GENERATE:

        def load(statements: list[str] = statements) -> None:
            with db.engine.begin() as conn:
                conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
                conn.execute(text("SELECT setseed(0.12)"))
                for statement in statements:
                    conn.execute(text(statement), params)

        step(f"generate {label}", results, load)

    def reindex() -> None:
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            for index in indexed:
                index.create(conn)

    step("orders' indexes", results, reindex)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        step("vacuum analyze", results, lambda: conn.execute(text("VACUUM ANALYZE")))


def touch_today(conn: Any) -> None:
    """One order per store changed after the rollups' watermark, as on a live hub between two refreshes:
    ``GET /analytics/sales`` then recounts every store's today from the orders."""
    conn.execute(
        text(
            "UPDATE orders SET updated_at = :later WHERE id IN (SELECT DISTINCT ON (store_id) id FROM orders"
            " WHERE placed_at >= :since ORDER BY store_id, placed_at DESC)"
        ),
        {"later": NOW + timedelta(seconds=1), "since": NOW - timedelta(hours=3)},
    )


def queries(window: Scope) -> dict[str, Callable[[Any], Any]]:
    report = ReportSpec(dimensions=["store", "day"], measures=["orders", "revenue_fen", "customers"])
    return {
        "sales (rollup, fresh)": lambda c: current_sales_by_day(c, window, live_days_max=LIVE_DAYS_MAX),
        "sales (rollup + today recounted)": lambda c: (
            touch_today(c),
            current_sales_by_day(c, window, live_days_max=LIVE_DAYS_MAX),
        ),
        "customers (rollup)": lambda c: rollup_customer_figures(c, window),
        "retention cohorts (live SQL)": lambda c: retention_cohorts(c, window),
        "retention cohorts (rollup)": lambda c: rollup_retention_cohorts(c, window),
        "product ranking (rollup)": lambda c: rollup_product_ranking(c, window),
        "customers by area (live SQL)": lambda c: customers_by_area(c, window),
        "customers by area (rollup)": lambda c: rollup_customers_by_area(c, window),
        "rider performance (live SQL)": lambda c: rider_performance(c, window),
        "rider performance (rollup)": lambda c: rollup_rider_performance(c, window),
        "kitchen ticket times (live SQL)": lambda c: kitchen_times(c, window),
        "kitchen ticket times (rollup)": lambda c: rollup_kitchen_times(c, window),
        "campaign funnel": lambda c: campaign_funnel(c, window, zone=TZ),
        "custom report (store x day, live SQL)": lambda c: run_report(c, window, report, rollups=False),
        "custom report (store x day, rollups)": lambda c: run_report(c, window, report),
    }


def measure(db: Database, label: str, window: Scope) -> list[dict[str, Any]]:
    rows = []
    for name, run in queries(window).items():
        times = []
        for _ in range(3):
            with db.engine.connect() as conn:
                started = time.perf_counter()
                run(conn)
                conn.commit()
                times.append(time.perf_counter() - started)
        worst = max(times)
        rows.append({"scope": label, "query": name, "slowest_s": round(worst, 3), "ok": worst < LIMIT_S})
        print(f"    {label:<12} {name:<42} {worst:7.3f} s {'ok' if worst < LIMIT_S else 'OVER 2 s'}", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=None, help="default: orders / 8")
    parser.add_argument("--url", default=None, help="an existing database (migrated on start)")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument(
        "--rebuild", action="store_true", help="with --skip-generate: empty the rollups and build them from scratch"
    )
    args = parser.parse_args()
    customers = args.customers or max(10, args.orders // 8)
    results: dict[str, float] = {}
    with database(args.url, args.keep) as url:
        db = Database.from_url(url, pool_size=2)
        upgrade(db.engine)
        if not args.skip_generate:
            generate(db, customers, args.orders, results)
        elif args.rebuild:
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(ROLLUP_TABLES)}"))
                conn.execute(text("DELETE FROM analytics_rollup_state"))
        # A first build after generating; after a migration that reset a watermark, a rebuild; else the job's refresh.
        for label in ("rollups first build (or what a migration reset)", "rollups refresh (the hub's job)"):
            with db.engine.begin() as conn:
                step(label, results, lambda conn=conn: refresh_rollups(conn, now=NOW))
        today = date(2026, 12, 1)
        window = Scope(None, today - timedelta(days=29), today)
        one = Scope(("b3",), window.day_from, window.day_to)
        rows = measure(db, "chain", window) + measure(db, "one store", one)
        db.dispose()
    print(json.dumps({"orders": args.orders, "customers": customers, "setup_s": results, "queries": rows}, indent=1))


if __name__ == "__main__":
    main()
