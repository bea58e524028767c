"""Request bodies are limited before they are read: a stranger's 10 MB POST costs the hub almost nothing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin
from tests.services import free_port, wait_for_port

pytestmark = pytest.mark.integration
MB = 1024 * 1024


def _order_json(size: int) -> bytes:
    """A well-formed order with lines enough to weigh ``size`` bytes: parsing it would cost far more."""
    line = json.dumps({"sku": "KB", "quantity": 1, "modifiers": ["少辣"]}).encode()
    count = size // (len(line) + 1)
    return b'{"store_id": "s1", "external_id": "big", "lines": [' + b",".join([line] * count) + b"]}"


def test_a_declared_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    r = client.post("/orders", content=_order_json(2 * MB), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "request.too_large" and str(MB) in r.json()["detail"]


def test_a_streamed_body_is_counted_and_refused_once_past_the_limit(client: TestClient) -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(40):  # 40 x 64 KiB = 2.5 MiB, no Content-Length
            sent.append(1)
            yield b" " * 65536

    r = client.post("/orders", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "request.too_large"


def test_a_body_under_the_limit_goes_through(client: TestClient, admin_headers: dict[str, str]) -> None:
    r = client.post(
        "/orders", content=_order_json(200_000), headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 422 and "lines" in r.json()["detail"], "read and judged: too many lines"


def test_the_limit_is_configurable_and_a_larger_one_needs_a_token(sqlite_url: str, tmp_path: Path) -> None:
    settings = rest_settings(sqlite_url, tmp_path, http_max_body_bytes=64 * 1024, http_body_limits={"/orders": 4 * MB})
    with TestClient(create_app(settings)) as client:
        body = _order_json(512 * 1024)
        stranger = client.post("/orders", content=body, headers={"Content-Type": "application/json"})
        assert stranger.status_code == 401 and "large body" in stranger.json()["detail"]
        forged = client.post(
            "/orders", content=body, headers={"Content-Type": "application/json", "Authorization": "Bearer forged"}
        )
        assert forged.status_code == 401
        headers = {**login(client, make_admin(sqlite_url)), "Content-Type": "application/json"}
        read = client.post("/orders", content=body, headers=headers)
        assert read.status_code == 422 and "lines" in read.json()["detail"], "read and judged: too many lines"
        assert client.post("/orders", content=_order_json(5 * MB), headers=headers).status_code == 413
        assert client.post("/stores", content=body, headers=headers).status_code == 413, "other paths keep 64 KiB"


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _post_raw(port: int, body: bytes, *, chunked: bool) -> bytes:
    """POST /orders as a client that keeps sending; returns what the hub answered."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    sock.sendall(f"POST /orders HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n{length}\r\n\r\n".encode())

    def send() -> None:
        try:
            for i in range(0, len(body), 65536):
                piece = body[i : i + 65536]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the hub answered and closed: the rest is not wanted

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
        sender.join(30)
    return answer


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[tuple[int, int]]:
    port = free_port()
    env = {
        **os.environ,
        "BRIGADE_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "BRIGADE_VAR_DIR": str(tmp_path),
        "BRIGADE_SECRET_KEY": "x" * 40,
        "BRIGADE_RUN_RELAY": "false",
        "BRIGADE_RUN_BRIDGE": "false",
        "BRIGADE_RUN_JOBS": "false",
    }
    command = [sys.executable, "-m", "hub", "serve", "--port", str(port), "--migrate", "--log-level", "warning"]
    proc = subprocess.Popen(command, env=env)
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        yield proc.pid, port
    finally:
        proc.terminate()
        proc.wait(30)


def test_ten_megabytes_cost_the_serving_hub_no_memory(serve_process: tuple[int, int]) -> None:
    pid, port = serve_process
    body = _order_json(10 * MB)
    for _ in range(3):  # warm: every lazy import done, every buffer grown once
        assert (
            httpx.post(f"http://127.0.0.1:{port}/orders", content=_order_json(200_000), timeout=30).status_code == 401
        )
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
    before = _peak_rss_kb(pid)

    declared = _post_raw(port, body, chunked=False)
    assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
    streamed = _post_raw(port, body, chunked=True)
    assert streamed.startswith(b"HTTP/1.1 413"), streamed[:200]

    grown_kb = _peak_rss_kb(pid) - before
    assert grown_kb < 4 * 1024, f"the hub's peak RSS grew by {grown_kb / 1024:.1f} MB for two 10 MB bodies"
