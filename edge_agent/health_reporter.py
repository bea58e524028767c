"""Printer and agent health, published retained on the store's device-state topics.

Published straight to the broker, not through the outbox: retained state is only ever the latest
word (the hub does not acknowledge it), so a failed publish is simply tried again next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from contracts import topics
from contracts.devices import DeviceState, PrinterStatus, ReportedPrinter
from edge_agent.fallback_chains import FallbackChains
from edge_agent.print_queue import PrintQueue
from edge_agent.printer_health import HealthBoard
from edge_agent.settings import PrinterConfig
from mqttlink import LinkError, MqttLinkPort, publish_body

logger = logging.getLogger(__name__)


class HealthReporter:
    def __init__(
        self,
        link: MqttLinkPort,
        *,
        root: str,
        store_id: str,
        device_id: str,
        board: HealthBoard,
        queue: PrintQueue,
        chains: FallbackChains,
        stations: list[str],
        interval_s: float = 30.0,
        printers: list[PrinterConfig] | None = None,
    ) -> None:
        self._link = link
        self._root = root
        self._store_id = store_id
        self._device_id = device_id
        self._board = board
        self._queue = queue
        self._chains = chains
        self._stations = stations
        self._interval_s = interval_s
        self._printers = list(printers or [])
        self._dirty: set[str] = {pid for pid, _ in board.items()}
        self._wakeup = asyncio.Event()
        board.on_change(self._changed)

    def _changed(self, printer_id: str) -> None:
        self._dirty.add(printer_id)
        self._wakeup.set()

    def agent_state(self) -> DeviceState:
        stuck = [s for s in self._stations if not self._queue.routable(s)]
        return DeviceState(
            device_id=self._device_id,
            store_id=self._store_id,
            kind="edge_agent",
            status=PrinterStatus.ERROR if stuck else PrinterStatus.ONLINE,
            detail=f"no usable printer for {', '.join(stuck)}"[:200] if stuck else None,
            queue_depth=self._queue.depth,
            printers=tuple(self._reported(p) for p in self._printers),
            at=datetime.now(UTC),
        )

    def _reported(self, printer: PrinterConfig) -> ReportedPrinter:
        """The printer as configured here, so the hub shows what the store really runs."""
        health = self._board.get(printer.id)
        return ReportedPrinter(
            printer_id=printer.id,
            station=printer.station,
            fallback=printer.fallback,
            connection=printer.connection[:200],
            status=health.status,
            detail=health.detail,
        )

    async def run(self) -> None:
        was_connected = False
        while True:
            # Until connected, look every second: the first report goes out as soon as the link is up.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s if was_connected else 1.0):
                    await self._wakeup.wait()
            self._wakeup.clear()
            connected = self._link.connected
            if connected and not was_connected:
                self._dirty.update(pid for pid, _ in self._board.items())  # after a reconnect, say it again
            was_connected = connected
            if connected:
                await self.publish()

    async def publish(self) -> None:
        dirty, self._dirty = self._dirty, set()
        try:
            for printer_id in sorted(dirty):
                health = self._board.get(printer_id)
                state = DeviceState(
                    device_id=printer_id,
                    store_id=self._store_id,
                    kind="printer",
                    status=health.status,
                    detail=health.detail,
                    at=datetime.now(UTC),
                )
                await self._send(printer_id, state)
                dirty.discard(printer_id)
            await self._send(self._device_id, self.agent_state())
        except LinkError as exc:
            logger.info("health not published (%s); next round", exc)
            self._dirty |= dirty

    async def _send(self, device_id: str, state: DeviceState) -> None:
        await publish_body(
            self._link,
            topics.DEVICE_STATE,
            state,
            source=self._device_id,
            root=self._root,
            store_id=self._store_id,
            device_id=device_id,
        )
