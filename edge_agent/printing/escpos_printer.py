"""One ESC/POS printer on TCP (port 9100) or a serial line, through python-escpos.

A fresh python-escpos printer object per job (one that failed to connect is broken for good),
a short timeout (the library's default is 60 s), and a job counts as printed only when the
printer's own status, read after the job, says online with paper: a write that succeeded is
not a print. Everything here blocks; the async methods run it in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from contracts.devices import PrinterStatus
from edge_agent.errors import PrinterUnavailable, PrintOutcomeUnknown
from edge_agent.printing.escpos_loader import escpos_printers
from edge_agent.printing.printer_status import REPLY_LENGTH, STATUS_REQUEST, PrinterReading, parse_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrinterAddress:
    """``tcp://host:9100`` or ``serial:///dev/ttyUSB0?baudrate=19200``."""

    kind: str
    host: str = ""
    port: int = 9100
    device: str = ""
    baudrate: int = 19200

    @classmethod
    def parse(cls, url: str) -> PrinterAddress:
        parts = urlparse(url)
        if parts.scheme == "tcp":
            if not parts.hostname:
                raise ValueError(f"printer address {url!r} has no host")
            return cls(kind="tcp", host=parts.hostname, port=parts.port or 9100)
        if parts.scheme == "serial":
            if not parts.path:
                raise ValueError(f"printer address {url!r} has no device path")
            query = parse_qs(parts.query)
            return cls(kind="serial", device=parts.path, baudrate=int(query.get("baudrate", ["19200"])[0]))
        raise ValueError(f"printer address {url!r}: use tcp://host:port or serial:///dev/...")

    def __str__(self) -> str:
        return f"tcp://{self.host}:{self.port}" if self.kind == "tcp" else f"serial://{self.device}"


class EscposPrinter:
    def __init__(self, printer_id: str, address: PrinterAddress, *, timeout_s: float = 5.0) -> None:
        self.printer_id = printer_id
        self.address = address
        self.timeout_s = timeout_s

    # -- async face ---------------------------------------------------------------------------

    async def read_status(self) -> PrinterReading:
        return await asyncio.to_thread(self.read_status_now)

    async def print_job(self, data: bytes, before_send: Callable[[], None]) -> PrinterReading:
        return await asyncio.to_thread(self.print_job_now, data, before_send)

    # -- blocking -----------------------------------------------------------------------------

    def read_status_now(self) -> PrinterReading:
        printer = self._open()
        try:
            return self._query(printer)
        except OSError as exc:
            raise PrinterUnavailable(f"no status reply: {exc}", PrinterStatus.OFFLINE) from exc
        finally:
            _close(printer)

    def print_job_now(self, data: bytes, before_send: Callable[[], None]) -> PrinterReading:
        """Check, send, confirm. ``before_send`` runs once nothing can stop the bytes from going out."""
        printer = self._open()
        try:
            try:
                before = self._query(printer)
            except OSError as exc:
                raise PrinterUnavailable(f"no status reply: {exc}", PrinterStatus.OFFLINE) from exc
            if not before.ready:
                raise PrinterUnavailable(f"printer reports {before.status.value}", before.status)
            before_send()
            try:
                after = self._query(printer, job=data)
            except OSError as exc:
                raise PrintOutcomeUnknown(f"connection lost during the job: {exc}") from exc
            if not after.ready:
                raise PrintOutcomeUnknown(f"printer reports {after.status.value} after the job", after.status)
            return after
        finally:
            _close(printer)

    def _open(self) -> Any:
        a = self.address
        try:
            if a.kind == "tcp":
                printer = escpos_printers.Network(a.host, port=a.port, timeout=self.timeout_s)
            else:
                printer = escpos_printers.Serial(a.device, baudrate=a.baudrate, timeout=self.timeout_s)
            printer.open()
            if a.kind == "tcp":
                printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except Exception as exc:  # escpos raises DeviceNotFoundError, pyserial SerialException
            raise PrinterUnavailable(f"cannot connect to {a}: {exc}", PrinterStatus.OFFLINE) from exc
        return printer

    def _query(self, printer: Any, job: bytes = b"") -> PrinterReading:
        """Send the job (if any) and the three status requests in one write, read the three replies.

        One write: a small write right after another waits for the first one's delayed ACK (Nagle).
        Raises OSError (or TimeoutError) when the printer does not answer.
        """
        printer._raw(job + STATUS_REQUEST)
        device = printer.device
        reply = b""
        deadline = time.monotonic() + self.timeout_s
        while len(reply) < REPLY_LENGTH:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(reply)} of {REPLY_LENGTH} status bytes in {self.timeout_s}s")
            want = REPLY_LENGTH - len(reply)
            chunk = device.recv(want) if self.address.kind == "tcp" else device.read(want)
            if not chunk:
                if self.address.kind == "tcp":
                    raise ConnectionResetError("the printer closed the connection")
                raise TimeoutError("no status reply on the serial line")
            reply += chunk
        return parse_status(reply)


def _close(printer: Any) -> None:
    try:
        printer.close()
    except Exception:  # closing a broken connection: nothing left to do
        logger.debug("closing the printer connection failed", exc_info=True)
