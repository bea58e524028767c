"""An in-process MQTT 3.1.1 broker (amqtt) for the embedded default and the demo.

amqtt speaks 3.1.1 only and silently ignores shared subscriptions; the link falls back
accordingly. Install the ``sim`` or ``hub`` extra to get it.

amqtt does not answer an MQTT v5 CONNECT: it reads the v5 properties as 3.1.1 fields and waits
for bytes that never come, so a v5 client hears nothing until it gives up, and amqtt then logs
"Will flag set, but will topic/message not present" for the garbled packet. This broker therefore
reads each connection's CONNECT itself: a protocol level other than 3.1.1 gets the CONNACK that
MQTT 3.1.1 prescribes (return code 1, unacceptable protocol version; paho reads it as v5's
"unsupported protocol version") and the client falls back at once; a 3.1.1 CONNECT is handed to
amqtt unchanged, through its ``external`` listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

_CONNECT = 0x10
_LEVEL_3_1_1 = 4
_REFUSE_PROTOCOL = b"\x20\x02\x00\x01"
"""CONNACK, remaining length 2, no session present, return code 1 (unacceptable protocol version)."""
_MAX_CONNECT_BYTES = 65_536
_CONNECT_TIMEOUT_S = 10.0
_LISTENER = "default"


class EmbeddedBroker:
    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host = host
        self.port = port
        self._broker: Any = None
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.refused_v5 = 0

    async def start(self) -> None:
        from amqtt.broker import Broker  # imported late: only the embedded mode needs it

        config = {
            "listeners": {_LISTENER: {"type": "external"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }
        self._broker = Broker(config)  # must be built inside the running loop
        await self._broker.start()
        try:
            self._server = await asyncio.start_server(self._connected, self.host, self.port, reuse_address=True)
        except OSError:
            await self._broker.shutdown()
            self._broker = None
            raise
        self.port = int(self._server.sockets[0].getsockname()[1])
        logger.info("embedded MQTT broker (3.1.1) listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None
        for task in list(self._sessions):
            task.cancel()
        self._sessions.clear()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._sessions.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            if task is not None:
                self._sessions.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from amqtt.adapters import StreamWriterAdapter

        try:
            async with asyncio.timeout(_CONNECT_TIMEOUT_S):
                packet, level = await _read_connect(reader)
        except (asyncio.IncompleteReadError, TimeoutError, ValueError, ConnectionError) as exc:
            logger.info("embedded broker: dropped a connection without a valid CONNECT (%s)", exc)
            return
        if level != _LEVEL_3_1_1:
            self.refused_v5 += 1
            logger.debug("embedded broker: refused MQTT protocol level %d; the client falls back to 3.1.1", level)
            with contextlib.suppress(ConnectionError):
                writer.write(_REFUSE_PROTOCOL)
                await writer.drain()
            return
        broker = self._broker
        if broker is not None:
            await broker.external_connected(_replay_class()(packet, reader), StreamWriterAdapter(writer), _LISTENER)

    async def __aenter__(self) -> EmbeddedBroker:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


async def _read_connect(reader: asyncio.StreamReader) -> tuple[bytes, int]:
    """The whole first packet (it must be a CONNECT) and its protocol level."""
    header = await reader.readexactly(1)
    if header[0] & 0xF0 != _CONNECT:
        raise ValueError(f"first packet type {header[0] >> 4}, not CONNECT")
    length_bytes = b""
    length = 0
    for shift in (0, 7, 14, 21):
        byte = await reader.readexactly(1)
        length_bytes += byte
        length |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            break
    else:
        raise ValueError("malformed remaining length")
    if not 8 <= length <= _MAX_CONNECT_BYTES:
        raise ValueError(f"CONNECT of {length} bytes")
    body = await reader.readexactly(length)
    name_length = int.from_bytes(body[:2], "big")
    if 2 + name_length >= len(body):
        raise ValueError("CONNECT without a protocol level")
    return header + length_bytes + body, body[2 + name_length]


@functools.cache
def _replay_class() -> type[Any]:
    """Built on first use: amqtt is only installed with the extras that run the embedded broker."""
    from amqtt.adapters import ReaderAdapter

    class Replay(ReaderAdapter):  # type: ignore[misc]  # amqtt ships no type information
        """The CONNECT already read, then the rest of the stream: amqtt reads the connection from its start."""

        def __init__(self, first: bytes, reader: asyncio.StreamReader) -> None:
            self._first = first
            self._reader = reader

        async def read(self, n: int = -1) -> bytes:
            first, self._first = self._first, b""
            if n == -1:
                return first + await self._reader.read(-1)
            if len(first) >= n:
                self._first = first[n:]
                return first[:n]
            return first + await self._reader.readexactly(n - len(first))

        def feed_eof(self) -> None:
            self._reader.feed_eof()

    return Replay
