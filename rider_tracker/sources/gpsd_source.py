"""gpsd through gpsd-py3, hardened.

gpsd-py3 0.3.0 keeps one connection in module globals, has no connect or read timeout and no
reconnect, raises ``KeyError``/``IndexError`` from ``device()`` and from its parser when gpsd has no
device or no satellite report yet, raises a bare ``Exception`` when gpsd interleaves a notice
(DEVICE, ERROR) with a POLL answer, and reads the old ``alt`` field. So this adapter:

- connects with the library's ``connect()`` under a watchdog that aborts a hung connect or
  handshake after ``connect_timeout_s``, then puts ``read_timeout_s`` on the library's socket;
- sends ``?POLL;`` itself and skips any notice until the POLL answer (bounded), then parses the
  answer with the library's ``GpsResponse.from_json`` after filling what it indexes blindly;
- treats ``device()`` failures as "device not known yet";
- takes time, speed, course and error from the TPV fields that are present (a missing field is
  None, not 0) and ignores altitude, which the rider contract does not carry;
- on any error drops the connection and reconnects with backoff.

Only one gpsd connection per process is possible (the library's globals); a lock enforces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from typing import Any

import gpsd

from rider_tracker.errors import SourceUnavailable
from rider_tracker.fix import Fix

logger = logging.getLogger(__name__)

MAX_NOTICES = 20
"""Lines skipped while waiting for a POLL answer before the connection is declared confused."""
_IN_USE = threading.Lock()


class GpsdSource:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2947,
        *,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 3.0,
        poll_interval_s: float = 0.5,
        reconnect_min_s: float = 0.5,
        reconnect_max_s: float = 10.0,
    ) -> None:
        self.name = f"gpsd:{host}:{port}"
        self._host = host
        self._port = port
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._poll_interval_s = poll_interval_s
        self._reconnect_min_s = reconnect_min_s
        self._reconnect_max_s = reconnect_max_s
        self.device: dict[str, Any] | None = None
        self.connects = 0

    async def fixes(self) -> AsyncGenerator[Fix, None]:
        if not _IN_USE.acquire(blocking=False):
            raise SourceUnavailable("gpsd-py3 holds one connection per process and it is in use")
        try:
            async for fix in self._run():
                yield fix
        finally:
            await asyncio.to_thread(_close)
            _IN_USE.release()

    async def _run(self) -> AsyncIterator[Fix]:
        delay = self._reconnect_min_s
        while True:
            try:
                await asyncio.to_thread(self._connect)
            except SourceUnavailable as exc:
                logger.warning("%s: %s; retrying in %.1fs", self.name, exc.detail, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._reconnect_max_s)
                continue
            delay = self._reconnect_min_s
            last: tuple[Any, ...] | None = None
            try:
                while True:
                    fix = await asyncio.to_thread(self._poll)
                    key = (fix.fix_at, fix.has_fix, fix.lat, fix.lon)
                    if key != last:  # gpsd answers every poll with its latest fix: pass each one once
                        last = key
                        yield fix
                    await asyncio.sleep(self._poll_interval_s)
            except SourceUnavailable as exc:
                logger.warning("%s: %s; reconnecting", self.name, exc.detail)
                await asyncio.to_thread(_close)
                await asyncio.sleep(delay)

    # blocking, in a worker thread ---------------------------------------------------------

    def _connect(self) -> None:
        _close()
        watchdog = threading.Timer(self._connect_timeout_s, _abort)
        watchdog.start()
        try:
            gpsd.connect(host=self._host, port=self._port)
        except Exception as exc:  # the library raises bare Exception, KeyError, JSON and socket errors
            _close()
            raise SourceUnavailable(f"cannot connect ({type(exc).__name__}: {exc})") from exc
        finally:
            watchdog.cancel()
        sock = gpsd.gpsd_socket
        if sock is None:
            raise SourceUnavailable("connect left no socket")
        sock.settimeout(self._read_timeout_s)
        try:
            self.device = gpsd.device()
        except (KeyError, IndexError, TypeError):
            self.device = None  # gpsd has not found a receiver yet: keep polling, it will
        self.connects += 1
        logger.info("%s: connected (device %s)", self.name, (self.device or {}).get("path", "not known yet"))

    def _poll(self) -> Fix:
        stream = gpsd.gpsd_stream
        if stream is None:
            raise SourceUnavailable("not connected")
        try:
            stream.write("?POLL;\n")
            stream.flush()
            packet = _read_poll(stream)
        except (OSError, ValueError) as exc:  # timeout, reset, closed, bad JSON
            raise SourceUnavailable(f"poll failed ({type(exc).__name__}: {exc})") from exc
        return _to_fix(packet, self.name)


def _read_poll(stream: Any) -> dict[str, Any]:
    for _ in range(MAX_NOTICES):
        line = stream.readline()
        if not line:
            raise SourceUnavailable("gpsd closed the connection")
        packet = json.loads(line)
        if isinstance(packet, dict) and packet.get("class") == "POLL":
            return packet
    raise SourceUnavailable(f"no POLL answer within {MAX_NOTICES} lines")


def _to_fix(packet: dict[str, Any], source: str) -> Fix:
    received_at, mono = datetime.now(UTC), time.monotonic()
    tpvs = [t for t in packet.get("tpv") or [] if isinstance(t, dict)]
    if not packet.get("active") or not tpvs:
        return Fix(None, None, None, False, received_at, mono, source=source)
    tpv = tpvs[-1]
    filled = {**packet, "tpv": [{"mode": 0, **tpv}], "sky": packet.get("sky") or [{}]}
    try:
        response = gpsd.GpsResponse.from_json(filled)
    except (KeyError, IndexError, TypeError, ValueError, UserWarning):
        return Fix(None, None, None, False, received_at, mono, source=source)
    fix_at = _parse_time(tpv.get("time"))
    has_fix = response.mode >= 2 and "lat" in tpv and "lon" in tpv and fix_at is not None
    return Fix(
        fix_at=fix_at,
        lat=float(response.lat) if has_fix else None,
        lon=float(response.lon) if has_fix else None,
        has_fix=has_fix,
        received_at=received_at,
        received_mono=mono,
        speed_mps=_number(tpv.get("speed")),
        heading_deg=_heading(tpv.get("track")),
        accuracy_m=_accuracy(tpv),
        source=source,
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _heading(value: Any) -> float | None:
    number = _number(value)
    return number % 360.0 if number is not None else None


def _accuracy(tpv: dict[str, Any]) -> float | None:
    eph = _number(tpv.get("eph"))
    if eph is not None:
        return eph
    errors = [e for e in (_number(tpv.get("epx")), _number(tpv.get("epy"))) if e is not None]
    return max(errors) if errors else None


def _abort() -> None:
    """Watchdog: unblock a connect or handshake that hangs (shutdown wakes the blocked call)."""
    sock = gpsd.gpsd_socket
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _close() -> None:
    sock, stream = gpsd.gpsd_socket, gpsd.gpsd_stream
    gpsd.gpsd_socket, gpsd.gpsd_stream = None, None
    if sock is not None:  # close() alone does not wake a thread blocked reading it; shutdown does
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    for thing in (stream, sock):
        if thing is not None:
            with contextlib.suppress(OSError):
                thing.close()
