"""GPS ingest: sustained positions/s persisted on PostgreSQL through the hub's real ingest path.

Simulated bikes (``firmware_sim.gps.fleet.ContractFleet``: the real ``RiderPositionBatch`` contract
in real envelopes, QoS 1 awaited on PUBACK) publish through a Mosquitto of the bench's own
(persistence on, queues raised, so a slow consumer is measured rather than silently dropped). The
hub runs in its own process with only the MQTT bridge on: decode, inbox, grouped INSERT ... ON
CONFLICT DO NOTHING, last positions, geofences, acks. The bench counts rows in ``rider_positions``
once a second; "sustained" is rows persisted / time from the first publish until the last row is
in (backlog drained), so a hub that only buffers scores no better than what it stores.

    .venv/bin/python bench/gps_ingest.py --bikes 2000 --batch 50 --seconds 30
    .venv/bin/python bench/gps_ingest.py --bikes 200 --batch 20 --seconds 5     # a quick check
    .venv/bin/python bench/gps_ingest.py --rate 10000 --seconds 60              # latency at a fixed load
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from bench_support import free_port, mosquitto, postgres, wait_port
from sqlalchemy import func, select, text

from firmware_sim.gps.fleet import ContractFleet
from hub.db import Database
from hub.delivery.partitions import ensure_day_partitions
from hub.delivery.sql import positions
from hub.migrate import upgrade
from hub.stores.tables import Store
from mqttlink import MqttSettings


def seed(url: str, bikes: list[str]) -> None:
    db = Database.from_url(url)
    upgrade(db.engine)
    ensure_day_partitions(db.engine, datetime.now(UTC).date())  # as the hub's jobs do; positions land in today's
    with db.session() as session:
        session.add(Store(id="bench", name="压测店", lat=31.2304, lon=121.4737))
        session.commit()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO riders (id, store_id, name, capacity, active, created_at) "
                "SELECT unnest(CAST(:ids AS text[])), 'bench', 'bike', 6, true, now()"
            ),
            {"ids": bikes},
        )
        conn.execute(  # each bike's tracker registered, as an operator does (the bridge drops unknown sources)
            text(
                "INSERT INTO devices (id, kind, rider_id, secret_hash, active, details, created_at) "
                "SELECT b, 'rider_tracker', b, 'bench', true, '{}', now() FROM unnest(CAST(:ids AS text[])) AS b"
            ),
            {"ids": bikes},
        )
    db.dispose()


def start_hub(http_port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The hub in its own process, MQTT bridge only (no relay, no jobs)."""
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", str(http_port), "--no-migrate", "--log-level", "warning"],
        env=env,
    )


def count_positions(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(positions)).scalar_one())


async def run(args: argparse.Namespace) -> None:
    with (
        postgres() as url,
        mosquitto(max_queued=1_000_000, max_inflight=200, tcp_nodelay=True) as mqtt_port,
        tempfile.TemporaryDirectory() as var,
    ):
        bikes = [f"bike-{i:05d}" for i in range(args.bikes)]
        seed(url, bikes)
        root = f"bench{uuid.uuid4().hex[:6]}"
        http_port = free_port()
        env = {
            **os.environ,
            "BRIGADE_DATABASE_URL": url,
            "BRIGADE_VAR_DIR": var,
            "BRIGADE_SECRET_KEY": "b" * 40,
            "BRIGADE_RUN_RELAY": "false",
            "BRIGADE_RUN_JOBS": "false",
            "BRIGADE_MQTT__HOST": "127.0.0.1",
            "BRIGADE_MQTT__PORT": str(mqtt_port),
            "BRIGADE_MQTT__TOPIC_ROOT": root,
            "BRIGADE_MQTT__CLIENT_ID": f"hub-{uuid.uuid4().hex[:6]}",
            "BRIGADE_DB_POOL_SIZE": "8",
            "BRIGADE_BRIDGE_MAX_GROUP": str(args.max_group),
        }
        hub = start_hub(http_port, env)
        db = Database.from_url(url)
        try:
            wait_port(http_port)
            settings = MqttSettings(port=mqtt_port, topic_root=root, client_id=f"fleet-{uuid.uuid4().hex[:6]}")
            # Warm-up: one batch per bike until the hub has stored them (subscriptions live, pool warm).
            warm = ContractFleet(settings, bikes=args.bikes, batch_size=1, connections=args.connections)
            await warm.run(positions=args.bikes)
            deadline = time.monotonic() + 60
            while count_positions(db) < args.bikes and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            base = count_positions(db)

            fleet = ContractFleet(
                settings,
                bikes=args.bikes,
                batch_size=args.batch,
                connections=args.connections,
                in_flight=args.in_flight,
                start=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30),  # after the warm-up's fixes
            )
            samples: list[tuple[float, int]] = []
            started = time.monotonic()

            async def sample() -> None:
                while True:
                    samples.append((time.monotonic() - started, await asyncio.to_thread(count_positions, db) - base))
                    await asyncio.sleep(1.0)

            sampler = asyncio.create_task(sample())
            report = await fleet.run(duration_s=args.seconds, rate=args.rate or None)
            published_at = time.monotonic() - started
            drain_deadline = time.monotonic() + args.drain_timeout
            stored = count_positions(db) - base
            while stored < report.positions and time.monotonic() < drain_deadline:
                await asyncio.sleep(0.2)
                stored = count_positions(db) - base
            finished = time.monotonic() - started
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            metrics = (await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{http_port}/metrics", timeout=5)).text
        finally:
            hub.send_signal(signal.SIGTERM)
            hub.wait(30)
            db.dispose()

    steady = [b - a for (_, a), (_, b) in itertools.pairwise(samples)]
    consumed = next(
        (
            line.split()[-1]
            for line in metrics.splitlines()
            if line.startswith('brigade_mqtt_consumed_total{type="rider.position_batch"}')
        ),
        "?",
    )
    mode = "closed loop" if not args.rate else f"rate cap {args.rate:.0f}/s"
    print(
        f"gps ingest on PostgreSQL via Mosquitto ({args.bikes} bikes, batches of {args.batch}, "
        f"{args.connections} publisher connections, {mode}, bridge groups of <= {args.max_group}, "
        f"{platform.machine()} {os.cpu_count()} cores, load generator on the same machine)"
    )
    print(
        f"  published: {report.positions} positions in {report.messages} messages over {published_at:.1f} s "
        f"({report.positions / published_at:.0f}/s offered)"
    )
    print(
        f"  persisted: {stored} positions ({'all' if stored == report.positions else 'NOT ALL'}), "
        f"last one {finished:.1f} s after the first publish"
    )
    print(f"  sustained: {stored / finished:.0f} positions/s persisted (target >= 10,000)")
    if steady:
        print(f"  per-second persisted: median {sorted(steady)[len(steady) // 2]:.0f}, max {max(steady):.0f}")
    print(f"  hub: {consumed} batch messages applied (brigade_mqtt_consumed_total)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bikes", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50, help="positions per RiderPositionBatch message")
    parser.add_argument("--seconds", type=float, default=30.0, help="publishing time")
    parser.add_argument("--rate", type=float, default=0.0, help="cap on offered positions/s; 0 = as fast as possible")
    parser.add_argument("--connections", type=int, default=4, help="publisher MQTT connections")
    parser.add_argument("--in-flight", type=int, default=64, help="unacknowledged publishes per connection")
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument(
        "--max-group", type=int, default=64, help="hub's bridge_max_group; 1 = one transaction per message"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
