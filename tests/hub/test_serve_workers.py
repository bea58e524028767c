"""``brigade-hub serve --workers N``: N processes on one port, restarted when one dies, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.services import free_port, wait_for_port

pytestmark = pytest.mark.integration


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to see the worker processes")
    port = free_port()
    env = {
        **os.environ,
        "BRIGADE_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "BRIGADE_VAR_DIR": str(tmp_path),
        "BRIGADE_SECRET_KEY": "x" * 40,
        "BRIGADE_RUN_RELAY": "false",
        "BRIGADE_RUN_BRIDGE": "false",
        "BRIGADE_RUN_JOBS": "false",
        "BRIGADE_MQTT__PORT": str(free_port()),  # nothing there: the API must not need a broker to answer
    }
    command = [sys.executable, "-m", "hub", "serve", "--port", str(port), "--workers", "2", "--migrate"]
    proc = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        assert _until(lambda: len(_children(proc.pid)) == 2)
        yield proc, port
    finally:
        workers = _children(proc.pid)
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_two_workers_answer_and_a_dead_one_is_replaced(supervisor: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = supervisor
    first = _children(proc.pid)
    assert len(first) == 2 and _answers(port)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    assert _until(lambda: len(_children(proc.pid) - first) == 1 and len(_children(proc.pid)) == 2), (
        "the supervisor starts a new worker"
    )
    assert _until(lambda: _answers(port))


def test_sigterm_stops_every_worker(supervisor: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = supervisor
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(40) == 0
    assert not any(_alive(pid) for pid in workers)
    assert not _answers(port)


def test_workers_do_not_outlive_a_killed_supervisor(supervisor: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = supervisor
    workers = _children(proc.pid)
    proc.kill()
    proc.wait(10)
    assert _until(lambda: not any(_alive(pid) for pid in workers), timeout=40), "no orphan keeps the port"
    assert not _answers(port)
