"""What every benchmark needs: free ports, a PostgreSQL database of its own, a Mosquitto of its own.

The scripts run as ``.venv/bin/python bench/<name>.py``, so this module is imported by its bare name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN = os.environ.get("BRIGADE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
"""A database the benchmark may create its own databases from (dropped afterwards)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing on port {port}")


def pct(values: list[float], p: float) -> float:
    """The p-quantile of latencies in seconds, in milliseconds (nan when there are none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")


@contextlib.contextmanager
def postgres(prefix: str = "brigade_bench", *, keep: bool = False) -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped afterwards unless ``keep``."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """``sqlite``: a file in a temporary folder; ``postgres``: see ``postgres()``."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    with postgres() as url:
        yield url


@contextlib.contextmanager
def mosquitto(
    *, max_queued: int = 200_000, max_inflight: int = 100, tcp_nodelay: bool = False, log: bool = False
) -> Iterator[int]:
    """A Mosquitto of the benchmark's own on a free port (persistence on, as shipped); yields the port."""
    if shutil.which("mosquitto") is None:
        sys.exit("the mosquitto binary is needed (Debian package mosquitto)")
    with tempfile.TemporaryDirectory(prefix="brigade-bench-mosq-") as tmp:
        Path(tmp).chmod(0o777)  # started as root, mosquitto drops privileges and must still write here
        port = free_port()
        conf = Path(tmp) / "mosquitto.conf"
        conf.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {tmp}/\n"
            f"autosave_interval 30\nmax_queued_messages {max_queued}\nmax_inflight_messages {max_inflight}\n"
            + ("set_tcp_nodelay true\n" if tcp_nodelay else "")
            + (f"log_dest file {tmp}/mosquitto.log\n" if log else "")
        )
        proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            yield port
        finally:
            proc.terminate()
            proc.wait(10)


def wait_ready(base: str, timeout: float = 60) -> None:
    """Until the hub at ``base`` answers ``/readyz`` (database and broker up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"the hub at {base} did not become ready in {timeout:.0f} s")


async def post_order(http: httpx.AsyncClient, body: dict[str, Any], attempts: int = 3) -> tuple[httpx.Response, int]:
    """POST an order as a careful channel does: a connection dropped mid-request is sent again with the
    same idempotency key (so never a second order). The response and how many times it was resent;
    the last TransportError when every attempt failed."""
    for attempt in range(attempts):
        try:
            return await http.post("/orders", json=body), attempt
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
