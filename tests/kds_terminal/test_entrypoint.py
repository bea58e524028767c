"""``brigade-kds`` as installed, in a real terminal (a pty), on the machine's Mosquitto."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import uuid
from pathlib import Path

import pytest

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import decode
from contracts.kitchen import TicketStatus
from mqttlink import MqttMessage, MqttSettings
from tests.kds_terminal.pilot import make_ticket, publish_ticket
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration


def _status(message: MqttMessage) -> TicketStatus | None:
    if "/kitchen/" not in message.topic:
        return None
    return decode(message.payload, TicketStatus).body


def _presence(message: MqttMessage) -> Presence | None:
    if "/presence/" not in message.topic:
        return None
    return decode(message.payload, Presence).body


async def test_the_installed_command_shows_tickets_and_sends_bumps(
    mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    root = mosquitto_settings.topic_root
    device_id = f"kds-{uuid.uuid4().hex[:8]}"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    command = [
        str(Path(sys.executable).parent / "brigade-kds"),
        "--store",
        "s1",
        "--station",
        "wok",
        "--device-id",
        device_id,
        "--host",
        mosquitto_settings.host,
        "--port",
        str(mosquitto_settings.port),
        "--topic-root",
        root,
        "--state-dir",
        str(tmp_path),
    ]
    env = {**os.environ, "TERM": "xterm-256color", "BRIGADE_KDS_MQTT__SESSION_EXPIRY_S": "60"}
    screen = bytearray()

    def drain() -> None:  # a full pty would block the app's writes
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    async with Watcher(mosquitto_settings) as watcher:
        await watcher.watch(topics.TICKET_STATUS.wildcard(root=root))
        await watcher.watch(topics.PRESENCE.build(root=root, client_id=device_id))
        process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            await watcher.wait_until(
                lambda: any((p := _presence(m)) and p.status is PresenceStatus.ONLINE for m in watcher.messages), 30
            )
            await publish_ticket(watcher.link, make_ticket("o1"), root=root)
            await watcher.wait_until(lambda: any((s := _status(m)) and s.state == "shown" for m in watcher.messages))
            os.write(master, b"\r")  # Enter on the bump bar
            await watcher.wait_until(lambda: any((s := _status(m)) and s.state == "ready" for m in watcher.messages))
            os.write(master, b"\x11")  # ctrl+q
            assert process.wait(20) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            os.close(master)
        await watcher.wait_until(
            lambda: any((p := _presence(m)) and p.status is PresenceStatus.OFFLINE for m in watcher.messages)
        )
    ready = [s for m in watcher.messages if (s := _status(m)) and s.state == "ready"]
    assert [(s.ticket_id, s.device_id, s.line_ids) for s in ready][:1] == [("o1:wok", device_id, ())]
    log = (tmp_path / f"{device_id}.log").read_text(encoding="utf-8")
    assert f"kds {device_id} started for s1/wok" in log
    assert (tmp_path / f"{device_id}.board.sqlite3").exists()
