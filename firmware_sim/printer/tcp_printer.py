"""The simulated printer on TCP, like a network printer's port 9100: one job per connection.

Switched off, it stops listening (connections are refused) and drops the connections it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from firmware_sim.printer.simulated_printer import SimulatedPrinter

logger = logging.getLogger(__name__)


class TcpPrinter:
    def __init__(self, printer: SimulatedPrinter, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.printer = printer
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._listening = asyncio.Event()
        printer.on_power_change(self._power_changed)

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    async def start(self) -> None:
        if self.printer.powered:
            await self._listen()

    async def stop(self) -> None:
        await self._close_listener()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._handlers):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        self._listening.set()
        logger.debug("printer %s listening on %s", self.printer.name, self.url)

    async def wait_listening(self, timeout: float = 5.0) -> None:
        """After switching back on: wait until connections are accepted again."""
        async with asyncio.timeout(timeout):
            await self._listening.wait()

    async def _close_listener(self) -> None:
        server, self._server = self._server, None
        self._listening.clear()
        if server is not None:
            server.close()

    def _power_changed(self, on: bool) -> None:
        if on:
            asyncio.get_running_loop().create_task(self._listen())
            return
        server, self._server = self._server, None
        self._listening.clear()
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        printer = self.printer
        session = printer.open_session()
        interrupted = False
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if printer.slow_s:
                    await asyncio.sleep(printer.slow_s)  # a slow printer: its buffer drains slowly
                if not printer.powered:
                    interrupted = True
                    break
                replies, drop = printer.feed(session, data)
                if replies:
                    writer.write(replies)
                    await writer.drain()
                if drop:
                    interrupted = True
                    writer.transport.abort()
                    break
        except (ConnectionError, OSError):
            interrupted = True
        finally:
            printer.close_session(session, interrupted=interrupted)
            self._writers.discard(writer)
            self._handlers.discard(task)
            if not writer.is_closing():
                writer.close()
