"""Real services for tests: the machine's PostgreSQL and Mosquitto, private brokers on free ports.

A test that needs a service the machine lacks is skipped with the reason, unless
``BRIGADE_REQUIRE_SERVICES=1`` (set by CI), which turns that skip into a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("BRIGADE_REQUIRE_SERVICES", "") not in ("", "0", "false")
PG_ADMIN_URL = os.environ.get("BRIGADE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
MOSQUITTO_HOST = os.environ.get("BRIGADE_TEST_MQTT_HOST", "127.0.0.1")
MOSQUITTO_PORT = int(os.environ.get("BRIGADE_TEST_MQTT_PORT", "1883"))


def missing(reason: str) -> None:
    """Skip, or fail when the run requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (BRIGADE_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port, 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


DEPLOY_MOSQUITTO = Path(__file__).resolve().parents[1] / "deploy" / "mosquitto"


@dataclass(frozen=True)
class CentralFiles:
    """Run the shipped ``brigade-central.conf`` with the test's own ports and the files the hub wrote."""

    directory: Path
    """Where the hub writes devices.passwd, hub.passwd and brigade.acl (the shipped /etc/mosquitto/brigade)."""
    hub_port: int
    certfile: Path | None = None
    keyfile: Path | None = None
    """TLS on the device listener when both are given; plain MQTT otherwise."""


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (also its own CA), made with the openssl command."""
    if shutil.which("openssl") is None:
        missing("the openssl command is not installed (Debian package openssl)")
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    key.chmod(0o644)  # read by mosquitto after it drops root
    return cert, key


def _shipped_central_config(workdir: Path, port: int, files: CentralFiles) -> str:
    def rewrite(line: str) -> str | None:
        words = line.split()
        key = words[0] if words and not line.startswith("#") else ""
        if key == "listener":
            return f"listener {port if words[1] == '8883' else files.hub_port} 127.0.0.1"
        if key in ("certfile", "keyfile"):
            path = files.certfile if key == "certfile" else files.keyfile
            return None if path is None else f"{key} {path}"
        if key in ("password_file", "acl_file"):
            return f"{key} {files.directory / Path(words[1]).name}"
        if key == "pid_file":
            return f"pid_file {workdir / 'mosquitto.pid'}"
        if key == "persistence_location":
            return f"persistence_location {workdir}/"
        if key == "log_dest":
            return f"log_dest file {workdir}/mosquitto.log"
        if key == "log_type":
            return "log_type all" if words[1] == "error" else ""
        return line

    lines = [rewrite(line) for line in (DEPLOY_MOSQUITTO / "brigade-central.conf").read_text().splitlines()]
    return "\n".join(line for line in lines if line is not None) + "\n"


@dataclass
class PrivateMosquitto:
    """A Mosquitto of the test's own on a free port, with persistence: may be stopped and restarted."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "mosquitto.conf"

    @property
    def pid_path(self) -> Path:
        return self.workdir / "mosquitto.pid"

    def write_config(self, extra: str = "", *, central: CentralFiles | None = None) -> None:
        """Anonymous and open (the default), or the shipped central configuration over ``central``'s files."""
        if central is not None:
            self.config_path.write_text(_shipped_central_config(self.workdir, self.port, central) + extra)
            return
        self.config_path.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.workdir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 100000\n"
            "max_inflight_messages 100\n"
            f"log_dest file {self.workdir}/mosquitto.log\n" + extra
        )

    def start(self) -> None:
        if not self.config_path.exists():
            self.write_config()
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port("127.0.0.1", self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def private_mosquitto(central: CentralFiles | None = None) -> Iterator[PrivateMosquitto]:
    if shutil.which("mosquitto") is None:
        missing("the mosquitto binary is not installed (Debian package mosquitto)")
    with tempfile.TemporaryDirectory(prefix="brigade-mosq-") as tmp:
        Path(tmp).chmod(0o777)  # started as root, mosquitto drops to its own user before writing
        broker = PrivateMosquitto(port=free_port(), workdir=Path(tmp))
        if central is not None:
            broker.write_config(central=central)
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
