"""The simulated printer on a serial line: a pseudo-terminal whose slave path the agent opens.

A serial line has no connections, so a cut ends a job. Switched off, it reads and answers nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tty

from firmware_sim.printer.simulated_printer import SimulatedPrinter

logger = logging.getLogger(__name__)


class PtyPrinter:
    def __init__(self, printer: SimulatedPrinter) -> None:
        printer.split_jobs_at_cut = True
        self.printer = printer
        self.path = ""
        self._master = -1
        self._slave = -1
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._session = printer.open_session()

    @property
    def url(self) -> str:
        return f"serial://{self.path}"

    async def start(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation: bytes pass as they are
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        loop = asyncio.get_running_loop()
        loop.add_reader(self._master, self._readable)
        self._task = loop.create_task(self._consume(), name=f"pty-printer-{self.printer.name}")
        logger.debug("printer %s on %s", self.printer.name, self.path)

    async def stop(self) -> None:
        if self._master >= 0:
            asyncio.get_running_loop().remove_reader(self._master)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.printer.close_session(self._session)
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    def _readable(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if data:
            self._chunks.put_nowait(data)

    async def _consume(self) -> None:
        printer = self.printer
        while True:
            data = await self._chunks.get()
            if printer.slow_s:
                await asyncio.sleep(printer.slow_s)
            replies, _drop = printer.feed(self._session, data)  # a serial line never drops
            if replies:
                with contextlib.suppress(OSError):
                    os.write(self._master, replies)
