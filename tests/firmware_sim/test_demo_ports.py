"""The demo's choice of ports and its reset: a port left in TIME_WAIT by a quick restart is still free
for the demo's servers (they bind with SO_REUSEADDR, so the probe does too); a taken port is said."""

from __future__ import annotations

import socket
from pathlib import Path

from firmware_sim.demo import moved_port_notice, pick_port, port_free, reset


def test_a_port_in_time_wait_after_a_restart_is_free_a_listened_one_is_not() -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    assert not port_free(port), "something listens there"
    accepted.close()  # the server closes first, as a demo stopped with connections open: TIME_WAIT on its port
    server.close()
    assert client.recv(1) == b""
    client.close()
    assert port_free(port), "only TIME_WAIT is left: the demo's servers can listen there again"
    assert pick_port(port) == port


def test_the_demo_says_why_it_moved_and_nothing_when_it_did_not() -> None:
    notice = moved_port_notice("MQTT", 1883, 40001)
    assert notice is not None and "1883 is in use" in notice and "Mosquitto" in notice and "40001" in notice
    assert moved_port_notice("HTTP", 8000, 8000) is None


def test_reset_removes_the_demo_files_only(tmp_path: Path) -> None:
    for name in ("brigade.sqlite3", "admin-password.txt", "secret.key", "printers/sh-001-wok.txt", "stores/x/a"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("old")
    (tmp_path / "mine.txt").write_text("keep")
    gone = reset(tmp_path)
    assert len(gone) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]
