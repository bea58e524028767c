"""Handing journaled jobs to the printers: queue them, or fail them for good when no printer exists."""

from __future__ import annotations

import asyncio
import logging

from contracts.kitchen import PrintOutcome
from edge_agent.fallback_chains import FallbackChains
from edge_agent.hub_reports import HubReports
from edge_agent.print_queue import PrintQueue
from edge_agent.spool import JobState, SpoolJob, TicketSpool

logger = logging.getLogger(__name__)


class PrintService:
    def __init__(self, spool: TicketSpool, queue: PrintQueue, chains: FallbackChains, reports: HubReports) -> None:
        self.spool = spool
        self.queue = queue
        self.chains = chains
        self.reports = reports

    async def submit(self, job: SpoolJob) -> None:
        if self.chains.chain(job.station_id):
            await self.queue.add(job)
            return
        error = f"no printer for station {job.station_id} and no default printer"
        logger.warning("ticket %s r%d not printed: %s", job.ticket.ticket_id, job.ticket.revision, error)
        await asyncio.to_thread(self.spool.mark_finished, job, JobState.FAILED, error)
        await self.reports.print_result(job, PrintOutcome.FAILED, error)
