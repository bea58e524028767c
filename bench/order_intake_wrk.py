"""Order intake measured with wrk (a native load generator), so the figure is the hub's, not httpx's.

Starts the hub on a PostgreSQL database of its own (as ``bench/order_intake.py`` does: same seed,
same order shape: 3 lines over 2 stations, a new customer by phone, a delivery address), runs
``wrk`` closed loop with ``bench/wrk/orders.lua`` (every request its own idempotency key), and
reports orders/s, p50/p90/p99, non-2xx responses, the hub's CPU per order (user + system time of
the hub's processes from /proc, over the measured run), and the rows in the database afterwards.

    .venv/bin/python bench/order_intake_wrk.py --seconds 20 --connections 16
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_support import database, free_port, mosquitto, wait_ready
from order_intake import seed
from sqlalchemy import create_engine, text

LUA = Path(__file__).with_name("wrk") / "orders.lua"
TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn workers, the relay)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.extend(tree(int(entry.name)))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU seconds of these processes so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def wrk(base: str, key: str, stores: int, seconds: float, connections: int, threads: int) -> dict[str, int]:
    env = {
        **os.environ,
        "BRIGADE_BENCH_KEY": key,
        "BRIGADE_BENCH_STORES": str(stores),
        "BRIGADE_BENCH_RUN": uuid.uuid4().hex[:8],
    }
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = {
        k: int(v)
        for k, v in re.findall(r"(\w+)=(\d+)", " ".join(line for line in out.splitlines() if line.startswith("WRK")))
    }
    if not values:
        sys.exit(f"wrk printed no summary:\n{out}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="worker threads per hub process")
    parser.add_argument("--stores", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("the wrk binary is needed (Debian package wrk)")

    with database("postgres") as url, mosquitto() as mqtt_port, tempfile.TemporaryDirectory() as var:
        key = seed(url, args.stores)
        port = free_port()
        env = {
            **os.environ,
            "BRIGADE_DATABASE_URL": url,
            "BRIGADE_VAR_DIR": var,
            "BRIGADE_SECRET_KEY": "b" * 40,
            "BRIGADE_HTTP_THREADS": str(args.threads),
            "BRIGADE_MQTT__HOST": "127.0.0.1",
            "BRIGADE_MQTT__PORT": str(mqtt_port),
            "BRIGADE_MQTT__TOPIC_ROOT": f"bench{uuid.uuid4().hex[:6]}",
            "BRIGADE_RUN_JOBS": "false",
            "BRIGADE_DB_POOL_SIZE": str(args.threads + 2),
        }
        cmd = [
            sys.executable,
            "-m",
            "hub",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--no-migrate",
            "--log-level",
            "warning",
        ]
        hub = subprocess.Popen(cmd, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base)
            wrk(base, key, args.stores, args.warmup, args.connections, args.wrk_threads)
            pids = tree(hub.pid)
            cpu_before, wall_before = cpu_seconds(pids), time.monotonic()
            result = wrk(base, key, args.stores, args.seconds, args.connections, args.wrk_threads)
            hub_cpu, wall = cpu_seconds(pids) - cpu_before, time.monotonic() - wall_before
        finally:
            hub.send_signal(signal.SIGTERM)
            hub.wait(30)
        engine = create_engine(url)
        with engine.connect() as conn:
            counts = {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("orders", "order_lines", "outbox")
            }
        engine.dispose()

    seconds = result["duration_us"] / 1e6
    created = result["created"]
    print(
        f"order intake with wrk on postgres ({args.workers} hub workers x {args.threads} threads, "
        f"{args.connections} connections, {seconds:.1f} s, {os.cpu_count()} cores)"
    )
    socket_errors = sum(result[k] for k in ("connect_err", "read_err", "write_err", "timeout"))
    print(
        f"  requests {result['requests']}  created {created}  replayed {result['replayed']}  "
        f"non-2xx {result['non2xx_or_3xx']}  socket errors {socket_errors}"
    )
    print(f"  throughput {created / seconds:.0f} orders/s")
    print(
        f"  latency ms: p50 {result['p50_us'] / 1000:.1f}  p90 {result['p90_us'] / 1000:.1f}  "
        f"p99 {result['p99_us'] / 1000:.1f}  max {result['max_us'] / 1000:.1f}"
    )
    print(
        f"  hub CPU {hub_cpu:.1f} s over {wall:.1f} s ({hub_cpu / wall:.2f} cores): "
        f"{hub_cpu / max(created, 1) * 1000:.2f} ms per order"
    )
    print(f"  in the database (warm-up included): {counts}")


if __name__ == "__main__":
    main()
