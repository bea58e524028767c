"""NMEA 0183 straight from a serial port (pyserial), with read timeouts and reopen on errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator

import serial

from rider_tracker.fix import Fix
from rider_tracker.sources.nmea_decoder import NmeaDecoder

logger = logging.getLogger(__name__)

MAX_LINE = 4096
"""NMEA sentences are at most 82 characters; a longer run without a newline is noise."""


class SerialNmeaSource:
    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        read_timeout_s: float = 1.0,
        reconnect_min_s: float = 0.5,
        reconnect_max_s: float = 10.0,
    ) -> None:
        self.name = f"nmea:{port}"
        self._port = port
        self._baudrate = baudrate
        self._read_timeout_s = read_timeout_s
        self._reconnect_min_s = reconnect_min_s
        self._reconnect_max_s = reconnect_max_s
        self.decoder = NmeaDecoder(source=self.name)

    def _open(self) -> serial.Serial:
        return serial.Serial(self._port, self._baudrate, timeout=self._read_timeout_s)

    async def fixes(self) -> AsyncGenerator[Fix, None]:
        delay = self._reconnect_min_s
        while True:
            try:
                port = await asyncio.to_thread(self._open)
            except (serial.SerialException, OSError, ValueError) as exc:
                logger.warning("%s: cannot open (%s); retrying in %.1fs", self.name, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._reconnect_max_s)
                continue
            delay = self._reconnect_min_s
            logger.info("%s: open at %d baud", self.name, self._baudrate)
            try:
                async for fix in self._read(port):
                    yield fix
            except (serial.SerialException, OSError) as exc:
                logger.warning("%s: read failed (%s); reopening", self.name, exc)
            finally:
                port.close()
            await asyncio.sleep(delay)

    async def _read(self, port: serial.Serial) -> AsyncIterator[Fix]:
        partial = b""
        while True:
            chunk: bytes = await asyncio.to_thread(port.readline)
            if not chunk:  # read timeout: the receiver is quiet
                for fix in self.decoder.flush():
                    yield fix
                continue
            partial += chunk
            if not partial.endswith(b"\n"):
                if len(partial) > MAX_LINE:
                    partial = b""
                continue
            line, partial = partial, b""
            for fix in self.decoder.feed(line):
                yield fix
