"""CRM at scale on PostgreSQL: recompute RFM, segments, tiers and lifecycle for everyone; the win-back
rule over everyone; and the import path's rows/s.

The data is generated in the database (generate_series): N customers with a phone identity, a
home store, a birthday for a third, SMS consent for two fifths; M orders over the last two years
(recent days denser; about 1 in 7 with a discount, 1 in 20 cancelled). Then:

1. full rebuild: every customer's figures from the orders (GROUP BY) + scores + tags (first run)
2. daily recompute: the next day, after a day's orders arrived (their customers refreshed by the
   order feed, timed separately): refresh the customers whose 12-month window moved, score
   everyone, rule tags. This is the job that runs every day (target: under 10 s at 1M / 10M).
3. win-back over everyone (enabled, 20 days): actions, coupons and queued messages, then a second
   run that must grant nothing (target: under 60 s at 1M / 10M), and the rule's results
   (targeted, granted, sent, redeemed, attributed orders and revenue).
4. import: a CSV of new customers, the same file again (all deduplicated), and a CSV of orders.

    .venv/bin/python bench/crm_scale.py --customers 1000000 --orders 10000000       # the target
    .venv/bin/python bench/crm_scale.py --customers 50000 --orders 500000            # a quick check
    .venv/bin/python bench/crm_scale.py --url postgresql+psycopg://.../db --skip-generate   # reuse data
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_support import postgres
from sqlalchemy import func, select, text, update

from hub.crm.importing.importer import ImportOptions, run_import
from hub.crm.recompute import recompute_all, refresh_and_score
from hub.crm.stats_tables import CustomerStats
from hub.db import Database
from hub.marketing.rule_runner import run_rule
from hub.marketing.rule_service import rule_stats
from hub.marketing.tables import MarketingRule
from hub.migrate import upgrade
from hub.orders.tables import Order

TZ = "Asia/Shanghai"
STORES = 20
ORDERS = Order.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]
STATS = CustomerStats.__table__  # type: ignore[attr-defined]


@contextlib.contextmanager
def database(url: str | None, keep: bool) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with postgres("brigade_crm_bench", keep=keep) as created:
        yield created


def timed(label: str, results: dict[str, Any]) -> contextlib.AbstractContextManager[None]:
    @contextlib.contextmanager
    def run() -> Iterator[None]:
        print(f"... {label}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        yield
        results[label] = round(time.perf_counter() - started, 2)
        print(f"    {results[label]:.2f} s", file=sys.stderr, flush=True)

    return run()


def generate(db: Database, customers: int, orders: int, now: datetime) -> None:
    """Everything with server-side SQL; the orders table's secondary indexes are built after the load."""
    secondary = [i for i in ORDERS.indexes]
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        conn.execute(text("SELECT setseed(0.42)"))
        conn.execute(
            text(
                "INSERT INTO stores (id, name, timezone, address, created_at) "
                "SELECT 'b' || g, '压测店' || g, CASE WHEN g = 0 THEN 'Europe/Berlin' ELSE :tz END, '', :now "
                "FROM generate_series(0, :n - 1) g"
            ),
            {"tz": TZ, "now": now, "n": STORES},
        )
        conn.execute(
            text(
                "INSERT INTO customers (id, display_name, home_store_id, created_at, updated_at) "
                "SELECT 'c' || lpad(g::text, 9, '0'), '顾客' || g, 'b' || (g % :stores), :now, :now "
                "FROM generate_series(1, :n) g"
            ),
            {"n": customers, "stores": STORES, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO customer_identities (customer_id, kind, namespace, value, created_at) "
                "SELECT 'c' || lpad(g::text, 9, '0'), 'phone', '', '+86139' || lpad(g::text, 8, '0'), :now "
                "FROM generate_series(1, :n) g"
            ),
            {"n": customers, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO customer_profiles (customer_id, birth_month, birth_day, preferences, updated_at) "
                "SELECT 'c' || lpad(g::text, 9, '0'), 1 + (g % 12), 1 + (g % 28), '{}', :now "
                "FROM generate_series(1, :n) g WHERE g % 3 = 0"
            ),
            {"n": customers, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO customer_consents (customer_id, channel, granted, source, updated_at) "
                "SELECT 'c' || lpad(g::text, 9, '0'), 'sms', true, 'bench', :now "
                "FROM generate_series(1, :n) g WHERE g % 5 < 2"
            ),
            {"n": customers, "now": now},
        )
        for index in secondary:
            index.drop(conn)
        conn.execute(text("ALTER TABLE orders DROP CONSTRAINT uq_order_idempotency"))
        conn.execute(
            text(
                "INSERT INTO orders (id, store_id, channel, external_id, order_number, customer_id, status, fulfilment,"
                " subtotal_fen, delivery_fee_fen, discount_fen, total_fen, currency, delivery_address, placed_at,"
                " updated_at, revision) "
                "SELECT 'o' || g, 'b' || (c % :stores), 'bench', g::text, g::text, 'c' || lpad(c::text, 9, '0'),"
                " CASE WHEN g % 20 = 0 THEN 'cancelled' ELSE 'delivered' END, 'delivery',"
                " amount + discount, 0, discount, amount, 'CNY',"
                " CASE WHEN g % 4 = 0 THEN '科技园' || (g % 100) || '号楼' ELSE '南京东路' || (g % 500) || '号' END,"
                " placed, placed, 1 "
                "FROM (SELECT g, 1 + floor(random() * :customers)::int AS c,"
                "  1500 + floor(random() * 18000)::int AS amount,"
                "  CASE WHEN random() < 0.15 THEN 500 ELSE 0 END AS discount,"
                "  :now - power(random(), 1.4) * interval '730 days' AS placed"
                " FROM generate_series(1, :orders) g) src"
            ),
            {"stores": STORES, "customers": customers, "orders": orders, "now": now},
        )
        conn.execute(
            text("ALTER TABLE orders ADD CONSTRAINT uq_order_idempotency UNIQUE (channel, key_scope, external_id)")
        )
        for index in secondary:
            index.create(conn)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def day_of_orders(db: Database, customers: int, count: int, day_start: datetime) -> list[str]:
    """A day's new orders (with their order.placed events); returns the customers who ordered."""
    tag = uuid.uuid4().hex[:6]
    with db.engine.begin() as conn:
        rows = conn.execute(
            text(
                "INSERT INTO orders (id, store_id, channel, external_id, order_number, customer_id, status, fulfilment,"
                " subtotal_fen, delivery_fee_fen, discount_fen, total_fen, currency, placed_at, updated_at, revision) "
                "SELECT 'd' || :tag || g, 'b' || (c % :stores), 'bench-day', :tag || g, g::text,"
                " 'c' || lpad(c::text, 9, '0'), 'delivered', 'delivery', 4000, 0, 0, 4000, 'CNY',"
                " :start + random() * interval '20 hours', :start, 1 "
                "FROM (SELECT g, 1 + floor(random() * :customers)::int AS c FROM generate_series(1, :n) g) src "
                "RETURNING customer_id"
            ),
            {"tag": tag, "stores": STORES, "customers": customers, "n": count, "start": day_start},
        ).scalars()
        return sorted(set(rows))


def import_files(directory: Path, rows: int, customers: int) -> tuple[Path, Path]:
    people = directory / "customers.csv"
    with people.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "手机号", "生日", "标签", "短信营销"])
        for i in range(rows):
            writer.writerow(
                [
                    f"新客{i}",
                    f"137 {i // 10000:04d} {i % 10000:04d}",
                    f"{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "导入",
                    "是",
                ]
            )
    history = directory / "orders.csv"
    with history.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["订单号", "手机号", "下单时间", "实付金额", "门店"])
        for i in range(rows):
            writer.writerow(
                [
                    f"H{i}",
                    f"139{1 + i % customers:08d}",
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 12:30",
                    "45.50",
                    f"b{i % STORES}",
                ]
            )
    return people, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--url", help="an existing PostgreSQL database (default: a new one, dropped afterwards)")
    parser.add_argument("--skip-generate", action="store_true", help="the database already holds the data")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    # noon in Shanghai: the second win-back run, an hour after the first, stays on the same local day
    now = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0)
    with database(args.url, args.keep) as url:
        db = Database.from_url(url, pool_size=4)
        upgrade(db.engine)
        if not args.skip_generate:
            with timed("generate", results):
                generate(db, args.customers, args.orders, now)
        with timed("full_rebuild_s", results), db.session() as session:
            full = recompute_all(session, now=now, default_tz=TZ, full=True)
            session.commit()
        tomorrow = now + timedelta(days=1)
        ordered = day_of_orders(db, args.customers, max(1, args.orders // 700), now + timedelta(hours=1))
        with timed("feed_refresh_day_s", results), db.session() as session:
            for i in range(0, len(ordered), 500):
                refresh_and_score(session, ordered[i : i + 500], now=tomorrow, default_tz=TZ)
            session.commit()
        with timed("daily_recompute_s", results), db.session() as session:
            daily = recompute_all(session, now=tomorrow, default_tz=TZ)
            session.commit()
        with db.engine.begin() as conn:
            # over everyone, as measured before the seed gained its 60-day limit
            conn.execute(
                update(RULES)
                .where(RULES.c.id == "win-back")
                .values(enabled=True, params={"days": 20, "max_days": None})
            )
        with timed("winback_s", results):
            first = run_rule(db, "win-back", now=tomorrow, default_tz=TZ)
        with timed("winback_again_s", results):
            second = run_rule(db, "win-back", now=tomorrow + timedelta(hours=1), default_tz=TZ)
        assert second.targeted == second.granted == 0, "a second run grants nothing"
        with timed("winback_stats_s", results), db.session() as session:
            stats = rule_stats(session, "win-back")
        with tempfile.TemporaryDirectory() as tmp:
            people, history = import_files(Path(tmp), args.import_rows, args.customers)
            imports = {}
            for label, path, options in (
                ("import_customers", people, ImportOptions(kind="customers", source="bench")),
                ("import_customers_again", people, ImportOptions(kind="customers", source="bench")),
                ("import_orders", history, ImportOptions(kind="orders", source="bench")),
            ):
                report = run_import(db, path, options)
                assert report.bad_rows == 0, report.errors[:5]
                imports[label] = {
                    "rows": report.rows,
                    "created": report.created,
                    "seconds": round(report.seconds, 2),
                    "rows_per_s": round(report.rows / report.seconds),
                }
        with db.session() as session:
            segments = dict(session.execute(select(STATS.c.segment, func.count()).group_by(STATS.c.segment)).all())
        db.dispose()
    summary = {
        "machine": f"{platform.node()} {os.cpu_count()} cpus, {platform.python_version()}",
        "customers": args.customers,
        "orders": args.orders,
        "timings_s": results,
        "full_rebuild": {"refreshed": full.refreshed, "scored": full.scored},
        "daily_recompute": {"refreshed": daily.refreshed, "scored": daily.scored, "day_orders_customers": len(ordered)},
        "winback": first.model_dump(),
        "winback_again": second.model_dump(),
        "winback_stats": stats.model_dump(),
        "imports": imports,
        "segments": segments,
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
