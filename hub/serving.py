"""Serving the API from several processes that share the load evenly.

uvicorn's own ``--workers`` shares one listening socket between its processes, and whichever
process wakes first accepts every pending connection: clients with long-lived keep-alive
connections (a platform integrator's pool, a load balancer) end up on one process while the
others idle. Here each worker binds its own socket to the same port with ``SO_REUSEPORT``, so
the kernel spreads new connections across them. A small supervisor starts the workers, starts
again any that dies, and stops them all on SIGTERM/SIGINT; a worker also stops when the
supervisor dies (even by SIGKILL), so no orphan keeps the port.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
RESPAWN_AFTER_S = 1.0
STOP_TIMEOUT_S = 30.0


def reuse_port_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def die_with_parent(parent_pid: int) -> None:
    """Linux: SIGTERM this process when the supervisor goes, however it goes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's own shutdown still stops us
        return
    if os.getppid() != parent_pid:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


class Supervisor:
    """Runs ``workers`` copies of ``command`` until SIGTERM/SIGINT; returns the exit status."""

    def __init__(self, command: Sequence[str], workers: int) -> None:
        self._command = list(command)
        self._workers = workers
        self._children: list[subprocess.Popen[bytes]] = []
        self._stopping = False

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self._command)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        logger.info("hub: signal %s, stopping %d workers", signum, len(self._children))
        self._stopping = True

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        self._children = [self._spawn() for _ in range(self._workers)]
        logger.info("hub: %d workers (pids %s)", self._workers, ", ".join(str(c.pid) for c in self._children))
        try:
            while not self._stopping:
                time.sleep(0.2)
                for i, child in enumerate(self._children):
                    code = child.poll()
                    if code is not None and not self._stopping:
                        logger.warning("hub worker %s exited with %s; starting another", child.pid, code)
                        time.sleep(RESPAWN_AFTER_S)
                        self._children[i] = self._spawn()
        finally:
            self._shutdown()
        return 0

    def _shutdown(self) -> None:
        for child in self._children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self._children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def worker_command(host: str, port: int, log_level: str) -> list[str]:
    """The command line of one worker: this interpreter, one process, its own reuse-port socket."""
    return [
        sys.executable,
        "-m",
        "hub",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        "1",
        "--reuse-port",
        "--parent-pid",
        str(os.getpid()),
        "--no-migrate",
        "--log-level",
        log_level,
    ]
