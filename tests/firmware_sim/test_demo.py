"""`make demo` runs with no services: the hub on SQLite with an embedded broker, docs answering, two
simulated stores printing the generated orders (Chinese dishes) into readable files."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.services import free_port

pytestmark = pytest.mark.e2e

DISHES = ("宫保鸡丁", "鱼香肉丝", "麻婆豆腐", "羊肉串", "烤鸡翅", "珍珠奶茶", "套餐(烤串+炒饭)")


def _wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Re-checked every 200 ms: the demo is another process."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout}s"
        time.sleep(0.2)


def test_demo_starts_its_docs_answer_and_both_stores_print_generated_orders(tmp_path: Path) -> None:
    http_port, taken = free_port(), free_port()
    var = tmp_path / "var"
    var.mkdir()
    (var / "brigade.sqlite3").write_bytes(b"an earlier demo's database, garbled")  # --reset starts over
    (var / "notes.txt").write_text("not the demo's")
    output = tmp_path / "demo.out"
    squatter = socket.socket()  # something else (a Mosquitto) listens on the MQTT port asked for
    squatter.bind(("127.0.0.1", taken))
    squatter.listen()
    with output.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "firmware_sim.demo",
                "--http-port",
                str(http_port),
                "--mqtt-port",
                str(taken),
                "--var",
                str(var),
                "--order-every",
                "0.3",
                "--reset",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        with squatter:
            _wait_for(lambda: "Ctrl-C to stop" in output.read_text() or proc.poll() is not None, 90, "the banner")
        banner = output.read_text()
        assert proc.poll() is None, banner
        assert f"{base}/docs" in banner
        moved = re.search(rf"MQTT port {taken} is in use .*; the demo uses (\d+) instead", banner)
        assert moved, f"the demo says why it moved: {banner}"
        mqtt_port = int(moved.group(1))
        assert f"on 127.0.0.1:{mqtt_port}" in banner
        assert f"brigade-kds --store sh-001 --station wok --port {mqtt_port}" in banner, "how to open a KDS"
        assert (var / "notes.txt").exists(), "--reset removes only the demo's own files"
        hub_command = re.search(
            r"^\s+(BRIGADE_DATABASE_URL=\S+ BRIGADE_VAR_DIR=\S+) (\S*brigade-hub) crm recompute$", banner, re.M
        )
        assert hub_command, f"the demo prints how to run the hub's commands on its database: {banner}"
        env = dict(pair.split("=", 1) for pair in hub_command.group(1).split())
        recompute = subprocess.run(
            [str(Path(sys.executable).parent / "brigade-hub"), "crm", "recompute"],
            env={**{k: v for k, v in os.environ.items() if not k.startswith("BRIGADE_")}, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert recompute.returncode == 0, recompute.stderr[-2000:]
        assert re.search(r"POS endpoint http://127\.0\.0\.1:\d+/orders", banner)
        console = re.search(
            r'BRIGADE_CONSOLE_PASSWORD="\$\(cat (\S+)\)" \S*brigade-console --hub-url (\S+) --username demo', banner
        )
        assert console and console.group(2) == base, f"the demo prints the manager console's command: {banner}"
        password = Path(console.group(1)).read_text(encoding="utf-8").strip()
        assert httpx.post(f"{base}/auth/token", data={"username": "demo", "password": password}).status_code == 200
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
        ready = httpx.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["broker"] == "ok"
        password = (var / "admin-password.txt").read_text().strip()
        token = httpx.post(f"{base}/auth/token", data={"username": "demo", "password": password}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        stores = httpx.get(f"{base}/stores", headers=headers).json()
        assert {s["name"] for s in stores} == {"外滩店", "静安店"}

        def printed(store: str) -> str:
            return "".join(p.read_text(encoding="utf-8") for p in (var / "printers").glob(f"{store}-*.txt"))

        _wait_for(lambda: all("(complete)" in printed(s) for s in ("sh-001", "sh-002")), 60, "both stores printed")
        for store, name in (("sh-001", "外滩店"), ("sh-002", "静安店")):
            paper = printed(store)
            assert name in paper and any(dish in paper for dish in DISHES), paper[:500]
            assert "[CUT]" in paper
        orders = httpx.get(f"{base}/orders", headers=headers).json()
        assert orders, "the generator placed orders on the hub"

        def some_order_confirmed() -> bool:
            tickets = httpx.get(f"{base}/kitchen/tickets", headers=headers).json()
            return any(t["printed_at"] is not None for t in tickets)

        _wait_for(some_order_confirmed, 30, "the hub heard a ticket printed")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0, output.read_text()[-2000:]
