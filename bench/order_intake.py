"""Order intake: sustained orders/s and p50/p99 latency of POST /orders (with the outbox).

The hub runs in its own process(es) (uvicorn, the relay publishing tickets to Mosquitto), the load
generator in this one. Each order has 3 lines over 2 stations, a customer identified by phone, and
a delivery address: one order row, 3 line rows, an event, 2 tickets + 2 outbox rows, a customer on
first sight. Closed loop (``--rate 0``: N clients back to back) measures the ceiling; a fixed rate
(``--rate 500``) measures latency at that load.

    .venv/bin/python bench/order_intake.py --db postgres --seconds 30 --clients 32
    .venv/bin/python bench/order_intake.py --db postgres --seconds 30 --rate 500
    .venv/bin/python bench/order_intake.py --db sqlite --seconds 30 --clients 16
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
from bench_support import database, free_port, pct, post_order, wait_ready

from hub.auth.service import create_api_key, create_user
from hub.db import Database
from hub.kernel.roles import Role
from hub.migrate import upgrade
from hub.stores.tables import MenuItem, Station, Store

MENU = [("KB", "宫保鸡丁", 3800, ["wok"]), ("CH", "羊肉串", 600, ["grill"]), ("NM", "珍珠奶茶", 1500, ["wok"])]


def seed(url: str, stores: int) -> str:
    """Schema, stores with a menu, and a channel API key (returned)."""
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.session() as session:
        create_user(session, username="bench", password="load-test-admin-0", role=Role.ADMIN)
        for n in range(stores):
            store_id = f"b{n:03d}"
            session.add(Store(id=store_id, name=f"压测店{n}"))
            session.flush()
            for code in ("wok", "grill"):
                session.add(Station(store_id=store_id, code=code, name=code))
            for sku, name, price, stations in MENU:
                session.add(MenuItem(store_id=store_id, sku=sku, name=name, price_fen=price, station_codes=stations))
        session.flush()
        _, key = create_api_key(session, name="bench", channel="bench", store_ids=None, actor="bench")
        session.commit()
    db.dispose()
    return key


def order(n: int, stores: int) -> dict[str, object]:
    return {
        "store_id": f"b{n % stores:03d}",
        "external_id": f"{uuid.uuid4().hex}",
        "lines": [
            {"sku": "KB", "quantity": 1, "modifiers": ["少辣"]},
            {"sku": "CH", "quantity": 6},
            {"sku": "NM", "quantity": 2},
        ],
        "customer": {"phone": f"+86138{n % 100_000_000:08d}", "name": "压测"},
        "delivery": {"address": "上海市黄浦区南京东路1号", "lat": 31.24, "lon": 121.49},
    }


async def load(
    base: str, key: str, seconds: float, clients: int, rate: float, stores: int
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    resent = 0
    counter = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30) as http:

        async def one() -> None:
            nonlocal errors, counter, resent
            counter += 1
            body = order(counter, stores)
            start = time.perf_counter()
            try:
                r, again = await post_order(http, body)
            except httpx.TransportError:
                resent += 2
                errors += 1
                return
            resent += again
            latencies.append(time.perf_counter() - start)
            if r.status_code not in (200, 201):
                errors += 1

        if rate <= 0:

            async def client() -> None:
                while time.perf_counter() < deadline:
                    await one()

            await asyncio.gather(*(client() for _ in range(clients)))
        else:
            tasks: set[asyncio.Task[None]] = set()
            interval = 1 / rate
            next_at = time.perf_counter()
            while next_at < deadline:
                now = time.perf_counter()
                if now < next_at:
                    await asyncio.sleep(next_at - now)
                if len(tasks) < clients * 8:  # bounded: never more than this many in flight
                    task = asyncio.create_task(one())
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                next_at += interval
            await asyncio.gather(*tasks)
    return latencies, errors, resent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rate", type=float, default=0, help="orders/s; 0 = closed loop")
    parser.add_argument("--workers", type=int, default=0, help="uvicorn workers (default: 2 on PG, 1 on SQLite)")
    parser.add_argument("--threads", type=int, default=4, help="worker threads per hub process")
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--mqtt-host", default="127.0.0.1")
    parser.add_argument("--mqtt-port", type=int, default=1883)
    args = parser.parse_args()
    workers = args.workers or (2 if args.db == "postgres" else 1)

    with database(args.db) as url, tempfile.TemporaryDirectory() as var:
        key = seed(url, args.stores)
        port = free_port()
        env = {
            **os.environ,
            "BRIGADE_DATABASE_URL": url,
            "BRIGADE_VAR_DIR": var,
            "BRIGADE_SECRET_KEY": "b" * 40,
            "BRIGADE_HTTP_THREADS": str(args.threads),
            "BRIGADE_MQTT__HOST": args.mqtt_host,
            "BRIGADE_MQTT__PORT": str(args.mqtt_port),
            "BRIGADE_MQTT__TOPIC_ROOT": f"bench{uuid.uuid4().hex[:6]}",
            "BRIGADE_RUN_JOBS": "false",
            "BRIGADE_DB_POOL_SIZE": str(args.threads + 2),
        }
        hub = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-migrate",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base)
            asyncio.run(load(base, key, args.warmup, args.clients, 0, args.stores))
            latencies, errors, resent = asyncio.run(load(base, key, args.seconds, args.clients, args.rate, args.stores))
        finally:
            hub.send_signal(signal.SIGTERM)
            hub.wait(30)

    done = len(latencies)
    mode = f"fixed rate {args.rate:.0f}/s" if args.rate > 0 else f"closed loop, {args.clients} clients"
    print(
        f"order intake on {args.db} ({workers} hub worker(s) x {args.threads} threads, {mode}, "
        f"{args.seconds:.0f} s, {platform.machine()} {os.cpu_count()} cores)"
    )
    print(
        f"  orders: {done}  errors: {errors}  resent after a dropped connection: {resent}"
        f"  throughput: {done / args.seconds:.0f} orders/s"
    )
    print(
        f"  latency ms: p50 {pct(latencies, 0.50):.1f}  p90 {pct(latencies, 0.90):.1f}  "
        f"p99 {pct(latencies, 0.99):.1f}  max {max(latencies) * 1000:.1f}  mean {statistics.mean(latencies) * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
