"""A real gpsd of our own: on a free port, in the foreground (-N), reading its devices at once (-n),
read-only (-b), with its own control socket and shared-memory key, stopped by its own pid.

``GpsdProcess`` reads devices we name (the ``PtyGps`` path, a real receiver); ``GpsfakeProcess``
runs Debian's ``gpsfake``, which starts such a gpsd and replays an NMEA log into it through a pty.
Neither ever touches a system gpsd.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

GPSD_CANDIDATES = ("gpsd", "/usr/sbin/gpsd", "/usr/local/sbin/gpsd")


class GpsdMissing(RuntimeError):
    pass


def find_gpsd() -> str | None:
    for candidate in GPSD_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def find_gpsfake() -> str | None:
    return shutil.which("gpsfake")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gpsd exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"gpsd not listening on {port} after {timeout}s")


def _shm_env(port: int) -> dict[str, str]:
    # gpsd exports fixes in System V shared memory under one key: derive ours from the port, as
    # gpsfake does, so we never write into a system gpsd's segment.
    return {**os.environ, "GPSD_SHM_KEY": f"0x4770{port:04X}"}


class GpsdProcess:
    def __init__(self, devices: list[str], *, port: int | None = None) -> None:
        binary = find_gpsd()
        if binary is None:
            raise GpsdMissing("gpsd is not installed (Debian package gpsd)")
        self.binary = binary
        self.devices = devices
        self.port = port or free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="brigade-gpsd-")
        self.control_socket = Path(self._tmp.name) / "gpsd.sock"
        self.log_path = Path(self._tmp.name) / "gpsd.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> GpsdProcess:
        command = [self.binary, "-N", "-n", "-b", "-S", str(self.port), "-F", str(self.control_socket)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([*command, *self.devices], stdout=log, stderr=log, env=_shm_env(self.port))
        wait_for_port(self.port, timeout, self.process)
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self._tmp.cleanup()

    def __enter__(self) -> GpsdProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class GpsfakeProcess:
    """``gpsfake -n -1 -q -P <port> -c <cycle> <log>``: one pass over a log through a real gpsd."""

    def __init__(self, log: Path, *, cycle_s: float = 0.05, once: bool = True, port: int | None = None) -> None:
        binary = find_gpsfake()
        if binary is None or find_gpsd() is None:
            raise GpsdMissing("gpsfake / gpsd are not installed (Debian packages gpsd-clients, gpsd)")
        self.binary = binary
        self.log = log
        self.cycle_s = cycle_s
        self.once = once
        self.port = port or free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="brigade-gpsfake-")
        self.output_path = Path(self._tmp.name) / "gpsfake.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> GpsfakeProcess:
        command = [self.binary, "-n", "-q", "-P", str(self.port), "-c", str(self.cycle_s)]
        if self.once:
            command.append("-1")
        env = {**os.environ, "TMPDIR": self._tmp.name}
        path = env.get("PATH", "")
        env["PATH"] = f"{path}:/usr/sbin:/usr/local/sbin" if path else "/usr/sbin:/usr/bin"
        with self.output_path.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, str(self.log)], stdout=out, stderr=out, env=env, start_new_session=True
            )
        wait_for_port(self.port, timeout, self.process)
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def wait(self, timeout: float) -> int:
        """Until gpsfake has fed the whole log once (it exits), or raise TimeoutError."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise TimeoutError(f"gpsfake still feeding {self.log.name} after {timeout}s") from exc

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            # gpsfake's own gpsd is its child: signal the session we started, by its id.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.process = None
        self._tmp.cleanup()

    def __enter__(self) -> GpsfakeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
