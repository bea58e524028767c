"""Print jobs waiting for a printer, oldest first, each handed to the printer its station routes to now."""

from __future__ import annotations

import asyncio
import bisect

from edge_agent.fallback_chains import FallbackChains
from edge_agent.printer_health import HealthBoard
from edge_agent.spool import SpoolJob


class PrintQueue:
    def __init__(self, chains: FallbackChains, board: HealthBoard) -> None:
        self._chains = chains
        self._board = board
        self._pending: list[SpoolJob] = []
        self._cond = asyncio.Condition()
        self.in_flight = 0

    @property
    def depth(self) -> int:
        return len(self._pending) + self.in_flight

    def depth_for(self, station: str) -> int:
        return sum(1 for job in self._pending if job.station_id == station)

    async def add(self, job: SpoolJob) -> None:
        async with self._cond:
            bisect.insort(self._pending, job, key=lambda j: j.seq)
            self._cond.notify_all()

    async def put_back(self, job: SpoolJob) -> None:
        """A job its printer could not print: to the front of its station's line again."""
        self.in_flight -= 1
        await self.add(job)

    def finished(self, _job: SpoolJob) -> None:
        self.in_flight -= 1

    async def wake(self) -> None:
        """Routing changed (a printer came back or went down)."""
        async with self._cond:
            self._cond.notify_all()

    async def take(self, printer_id: str, timeout: float) -> SpoolJob | None:
        """The oldest job routed to this printer; None after ``timeout`` or when the printer is down."""
        async with self._cond:
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands as the
                # condition comes true, and the agent's task group then never finishes stopping.
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(
                        lambda: self._pick(printer_id) is not None or not self._board.usable(printer_id)
                    )
            except TimeoutError:
                return None
            job = self._pick(printer_id)
            if job is None:
                return None
            self._pending.remove(job)
            self.in_flight += 1
            return job

    def _pick(self, printer_id: str) -> SpoolJob | None:
        routes: dict[str, str | None] = {}
        for job in self._pending:
            station = job.station_id
            if station not in routes:
                routes[station] = self._chains.route(station, self._board.usable)
            if routes[station] == printer_id:
                return job
        return None

    def routable(self, station: str) -> bool:
        return self._chains.route(station, self._board.usable) is not None
