"""A GPS receiver on a pseudo-terminal: NMEA 0183 written to the master side at the fixes' own pace,
so a serial reader (pyserial) or a real gpsd opens the slave path as if it were /dev/ttyUSB0.

Like a UART, it drops what nobody reads fast enough (non-blocking writes), and it reads and
discards whatever the other side writes to the receiver (gpsd's probes).
"""

from __future__ import annotations

import contextlib
import logging
import os
import termios
import threading
import time
import tty
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from firmware_sim.gps.bike_drive import SimFix
from firmware_sim.gps.nmea_sentences import epoch

logger = logging.getLogger(__name__)


class PtyGps:
    def __init__(self, fixes: Iterable[SimFix], *, time_scale: float = 1.0, extra_lines: Iterable[str] = ()) -> None:
        """``time_scale`` 10 plays ten seconds of driving per second; ``extra_lines`` go out first."""
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self._fixes = fixes
        self._scale = time_scale
        self._extra = list(extra_lines)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave, termios.TCSANOW)
        self.path = os.ttyname(self._slave)
        # gpsd drops root before opening devices it is told about later: let it read the pty, as gpsfake does.
        Path(self.path).chmod(0o666)
        os.set_blocking(self._master, False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.epochs = 0
        self.finished = threading.Event()

    def start(self) -> PtyGps:
        self._thread = threading.Thread(target=self._run, name=f"pty-gps-{self.path}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyGps:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_line(self, line: str) -> None:
        self._write((line + "\r\n").encode("ascii", errors="replace"))

    def _run(self) -> None:
        for line in self._extra:
            self.write_line(line)
        started = time.monotonic()
        first: datetime | None = None
        for fix in self._fixes:
            if first is None:
                first = fix.at
            due = started + (fix.at - first).total_seconds() / self._scale
            while not self._stop.is_set():
                self._drain()
                left = due - time.monotonic()
                if left <= 0:
                    break
                self._stop.wait(min(left, 0.2))
            if self._stop.is_set():
                return
            for line in epoch(fix):
                self.write_line(line)
            self.epochs += 1
        self.finished.set()
        while not self._stop.wait(0.2):
            self._drain()

    def _write(self, data: bytes) -> None:
        try:
            self.written += os.write(self._master, data)
        except BlockingIOError:
            self.dropped += len(data)
        except OSError as exc:
            logger.debug("pty %s: write failed: %s", self.path, exc)
            self.dropped += len(data)

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._master, 4096):
                pass
