"""One worker per printer: takes the jobs routed to it, prints, confirms, retries with backoff.

A job is marked ``printing`` on disk before its bytes go out. If the printer refuses before
anything is sent (offline, paper out, cover open), the job goes back to the queue unchanged and
the next printer of its station's chain takes it. If the outcome is unknown (connection lost
mid-job, bad status after the job), the job goes back marked REPRINT: it is never printed again
unmarked. A failed printer is out of routing until a status read finds it ready again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from zoneinfo import ZoneInfo

from contracts.kitchen import PrintOutcome
from edge_agent.changes import JobKind, diff
from edge_agent.errors import PrinterUnavailable, PrintOutcomeUnknown, TicketUnprintable
from edge_agent.fallback_chains import FallbackChains
from edge_agent.hub_reports import HubReports
from edge_agent.print_queue import PrintQueue
from edge_agent.printer_health import HealthBoard
from edge_agent.printing.escpos_printer import EscposPrinter
from edge_agent.printing.profile import PrinterProfile
from edge_agent.printing.ticket_renderer import PrintRequest, render_ticket
from edge_agent.spool import JobState, SpoolJob, TicketSpool

logger = logging.getLogger(__name__)


class PrinterWorker:
    def __init__(
        self,
        printer: EscposPrinter,
        profile: PrinterProfile,
        *,
        queue: PrintQueue,
        board: HealthBoard,
        chains: FallbackChains,
        spool: TicketSpool,
        reports: HubReports,
        tz: ZoneInfo,
        status_poll_s: float,
    ) -> None:
        self.printer = printer
        self.printer_id = printer.printer_id
        self._profile = profile
        self._queue = queue
        self._board = board
        self._chains = chains
        self._spool = spool
        self._reports = reports
        self._tz = tz
        self._status_poll_s = status_poll_s

    async def run(self) -> None:
        while True:
            if not self._board.usable(self.printer_id):
                await asyncio.sleep(self._board.retry_delay(self.printer_id))  # backoff before the next probe
                await self.probe()
                continue
            job = await self._queue.take(self.printer_id, self._status_poll_s)
            if job is None:
                if self._board.usable(self.printer_id):
                    await self.probe()  # idle: notice paper out before the next ticket does
                continue
            await self.print(job)

    async def probe(self) -> None:
        try:
            reading = await self.printer.read_status()
        except PrinterUnavailable as exc:
            self._board.mark_down(self.printer_id, exc.status, exc.detail)
            return
        if reading.ready:
            was_down = not self._board.usable(self.printer_id)
            self._board.mark_up(self.printer_id, reading.status)
            if was_down:
                logger.info("printer %s is back (%s)", self.printer_id, reading.status.value)
                await self._queue.wake()
        else:
            self._board.mark_down(self.printer_id, reading.status, f"printer reports {reading.status.value}")

    async def print(self, job: SpoolJob) -> None:
        ticket = job.ticket
        job.printer_id = self.printer_id
        job.backup_from = self._chains.backup_label(job.station_id, self.printer_id)
        job.attempts += 1
        changes = diff(job.previous, ticket) if job.kind is JobKind.CHANGE and job.previous is not None else None
        request = PrintRequest(
            ticket=ticket, kind=job.kind, changes=changes, reprint_mark=job.reprint_mark, backup_from=job.backup_from
        )
        started = time.monotonic()
        try:
            data = render_ticket(request, self._profile, self._tz)
        except TicketUnprintable as exc:
            await self._fail(job, exc.detail)
            return
        try:
            reading = await self.printer.print_job(data, lambda: self._spool.mark_printing(job))
        except PrinterUnavailable as exc:
            logger.warning(
                "printer %s cannot print ticket %s r%d (%s); passing it on",
                self.printer_id,
                ticket.ticket_id,
                ticket.revision,
                exc.detail,
            )
            self._board.mark_down(self.printer_id, exc.status, exc.detail)
            await self._requeue(job, exc.detail)
            return
        except PrintOutcomeUnknown as exc:
            logger.warning(
                "ticket %s r%d on %s: outcome unknown (%s); it will print again marked REPRINT",
                ticket.ticket_id,
                ticket.revision,
                self.printer_id,
                exc.detail,
            )
            job.reprint_mark = True
            await asyncio.to_thread(self._spool.mark_pending, job, exc.detail)
            self._board.mark_down(self.printer_id, exc.status, exc.detail)
            await self._requeue(job, exc.detail)
            return
        self._board.mark_up(self.printer_id, reading.status)
        await asyncio.to_thread(self._spool.mark_finished, job, JobState.PRINTED)
        self._queue.finished(job)
        logger.info(
            "ticket %s r%d printed on %s%s in %d ms",
            ticket.ticket_id,
            ticket.revision,
            self.printer_id,
            f" (backup for {job.backup_from})" if job.backup_from else "",
            (time.monotonic() - started) * 1000,
        )
        await self._reports.print_result(job, PrintOutcome.PRINTED)

    async def _fail(self, job: SpoolJob, error: str) -> None:
        """A job no printer could print: failed for good in the spool, reported, and the queue moves on."""
        ticket = job.ticket
        logger.error("ticket %s r%d not printed: %s", ticket.ticket_id, ticket.revision, error)
        await asyncio.to_thread(self._spool.mark_finished, job, JobState.FAILED, error[:500])
        self._queue.finished(job)
        await self._reports.print_result(job, PrintOutcome.FAILED, error)

    async def _requeue(self, job: SpoolJob, error: str) -> None:
        await self._queue.put_back(job)
        if not self._queue.routable(job.station_id) and not job.failure_reported:
            job.failure_reported = True  # the hub hears once that no printer can take it; it keeps trying
            await self._reports.print_result(job, PrintOutcome.FAILED, error)
