"""The edge agent: one per store. Wires the spool, the printers, MQTT and the POS endpoint together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from zoneinfo import ZoneInfo

from contracts.devices import Presence, PresenceStatus
from edge_agent.fallback_chains import FallbackChains
from edge_agent.health_reporter import HealthReporter
from edge_agent.hub_reports import HubReports
from edge_agent.pos_desk import PosDesk
from edge_agent.pos_http import PosHttpServer
from edge_agent.print_queue import PrintQueue
from edge_agent.print_service import PrintService
from edge_agent.printer_health import HealthBoard
from edge_agent.printer_worker import PrinterWorker
from edge_agent.printing.escpos_printer import EscposPrinter, PrinterAddress
from edge_agent.settings import EdgeSettings
from edge_agent.spool import TicketSpool
from edge_agent.station_lists import StationLists
from edge_agent.ticket_closes import TicketCloses
from edge_agent.ticket_intake import TicketIntake
from mqttlink import MqttLinkPort, PahoMqttLink
from mqttlink.device_outbox import DeviceOutbox, RefusedMessage

logger = logging.getLogger(__name__)

VERSION = "0.1.0"


class EdgeAgent:
    def __init__(self, settings: EdgeSettings, *, link: MqttLinkPort | None = None) -> None:
        self.settings = settings
        s = settings
        self._own_link = link is None
        self.link: MqttLinkPort = link or PahoMqttLink(
            s.mqtt_for_agent(),
            presence=Presence(
                client_id=s.device_id,
                status=PresenceStatus.ONLINE,
                kind="edge_agent",
                store_id=s.store_id,
                version=VERSION,
            ),
        )
        root = s.mqtt.topic_root
        self.spool = TicketSpool(s.spool_path)
        self.outbox = DeviceOutbox(
            s.outbox_path,
            self.link,
            device_id=s.device_id,
            root=root,
            retry_after_s=s.outbox_retry_s,
            on_refused=self._on_refused,
        )
        self.chains = FallbackChains(s.printers, s.default_printer)
        self.board = HealthBoard([p.id for p in s.printers], retry_min_s=s.retry_min_s, retry_max_s=s.retry_max_s)
        self.queue = PrintQueue(self.chains, self.board)
        self.reports = HubReports(self.outbox, self.spool, s.store_id, receipt_delay_s=s.receipt_delay_s)
        self.service = PrintService(self.spool, self.queue, self.chains, self.reports)
        tz = ZoneInfo(s.timezone)
        self.workers = [
            PrinterWorker(
                EscposPrinter(p.id, PrinterAddress.parse(p.connection), timeout_s=s.printer_timeout_s),
                p.profile,
                queue=self.queue,
                board=self.board,
                chains=self.chains,
                spool=self.spool,
                reports=self.reports,
                tz=tz,
                status_poll_s=s.status_poll_s,
            )
            for p in s.printers
        ]
        self.intake = TicketIntake(self.link, self.service, root=root, store_id=s.store_id, device_id=s.device_id)
        self.desk = PosDesk(self.link, self.service, self.outbox, root=root, store_id=s.store_id, device_id=s.device_id)
        stations = sorted({p.station for p in s.printers if p.station})
        self.health = HealthReporter(
            self.link,
            root=root,
            store_id=s.store_id,
            device_id=s.device_id,
            board=self.board,
            queue=self.queue,
            chains=self.chains,
            stations=stations,
            interval_s=s.health_interval_s,
            printers=s.printers,
        )
        self.closes = TicketCloses(s.closes_path)
        self.station_lists = StationLists(
            self.link, self.spool, self.closes, root=root, store_id=s.store_id, device_id=s.device_id
        )
        self.http: PosHttpServer | None = None
        if s.pos_http_port is not None:
            self.http = PosHttpServer(self.desk, self.health_view, host=s.pos_http_host, port=s.pos_http_port)
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()

    def health_view(self) -> dict[str, Any]:
        return {
            "store_id": self.settings.store_id,
            "device_id": self.settings.device_id,
            "broker": "connected" if self.link.connected else "disconnected",
            "queue_depth": self.queue.depth,
            "outbox_unacknowledged": self.outbox.pending(),
            "menu_version": self.desk.menu.version if self.desk.menu else None,
            "printers": {pid: h.status.value for pid, h in self.board.items()},
        }

    def stop(self) -> None:
        self._stop.set()

    async def _on_refused(self, message: RefusedMessage) -> None:
        """The hub refused a message of ours: the POS desk tells the cashier when it was an in-store order."""
        await self.desk.on_refused(message)

    async def run(self) -> None:
        """Until ``stop()`` (or cancellation). Every task belongs to the group."""
        s = self.settings
        recovered = await asyncio.to_thread(self.spool.recover)
        if recovered:
            logger.warning("%d print jobs were interrupted by a restart: they print again marked REPRINT", recovered)
        for job in await asyncio.to_thread(self.spool.open_jobs):
            await self.service.submit(job)
        try:
            # Subscribed before connecting: the first connection carries every subscription.
            await self.outbox.start()
            await self.reports.reconcile()
            await self.intake.start()
            await self.desk.start()
            await self.station_lists.start()
            if self._own_link:
                await self.link.start()
            if self.http is not None:
                await self.http.start()
            async with asyncio.TaskGroup() as group:
                for worker in self.workers:
                    group.create_task(worker.run(), name=f"printer-{worker.printer_id}")
                group.create_task(self.health.run(), name="health")
                group.create_task(self.station_lists.run(), name="station-lists")
                logger.info(
                    "edge agent %s for store %s: %d printers, %d jobs waiting",
                    s.device_id,
                    s.store_id,
                    len(self.workers),
                    self.queue.depth,
                )
                self.ready.set()
                await self._stop.wait()
                raise _Stopping
        except* _Stopping:
            pass
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        self.reports.cancel_held()
        if self.http is not None:
            await self.http.stop()
        if self._own_link:
            await self.link.stop()  # first: no more handlers run against the stores closed below
        with contextlib.suppress(Exception):
            await self.outbox.stop()
        await asyncio.to_thread(self.spool.close)
        await asyncio.to_thread(self.closes.close)


class _Stopping(Exception):
    """Raised inside the task group to end it: cancels every task of the agent."""
