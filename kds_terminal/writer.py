"""Everything the display must write, off the UI: statuses into the durable outbox, the board to its file.

The UI only calls ``submit`` (never blocks). One task writes in order: the statuses first, then the
board. A crash between the two at worst shows a bumped ticket again; never loses a bump.
Repeated board saves coalesce into one write of the latest board.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from contracts import topics
from contracts.errors import ContractError
from contracts.kitchen import TicketStatus
from kds_terminal.board_file import BoardFile
from kds_terminal.tickets import StatusIntent
from mqttlink.device_outbox import DeviceOutbox

logger = logging.getLogger(__name__)


class KdsWriter:
    def __init__(
        self,
        outbox: DeviceOutbox,
        board_file: BoardFile,
        snapshot: Callable[[], dict[str, Any]],
        *,
        device_id: str,
    ) -> None:
        self._outbox = outbox
        self._file = board_file
        self._snapshot = snapshot
        self._device_id = device_id
        self._statuses: asyncio.Queue[StatusIntent] = asyncio.Queue()
        self._dirty = False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0

    def submit(self, statuses: Sequence[StatusIntent] = (), *, board_changed: bool = True) -> None:
        for status in statuses:
            self._statuses.put_nowait(status)
        self._dirty = self._dirty or board_changed
        if statuses or board_changed:
            self._idle.clear()
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"kds-writer-{self._device_id}")

    async def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued (up to ``timeout``), then stop."""
        with contextlib.suppress(TimeoutError):
            await self.drained(timeout)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def drained(self, timeout: float | None = None) -> None:
        """Return once everything submitted so far is on disk."""
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while not self._statuses.empty():
                status = self._statuses.get_nowait()
                await self._put(status)
            if self._dirty:
                self._dirty = False
                await self._save()
            if self._statuses.empty() and not self._dirty:
                self._idle.set()

    async def _put(self, status: StatusIntent) -> None:
        body = TicketStatus(
            ticket_id=status.ticket_id,
            order_id=status.order_id,
            store_id=status.store_id,
            station_id=status.station_id,
            state=status.state,
            line_ids=status.line_ids,
            device_id=self._device_id,
            at=status.at,
        )
        try:
            await self._outbox.put(topics.TICKET_STATUS, body, store_id=status.store_id, station_id=status.station_id)
        except (sqlite3.Error, OSError, ContractError):
            self.failures += 1
            logger.exception(
                "could not queue %s for ticket %s (device %s)", status.state, status.ticket_id, self._device_id
            )

    async def _save(self) -> None:
        doc = self._snapshot()
        try:
            await asyncio.to_thread(self._file.save, doc)
        except (sqlite3.Error, OSError):
            self.failures += 1
            logger.exception("could not save the board of %s; will retry on the next change", self._device_id)
