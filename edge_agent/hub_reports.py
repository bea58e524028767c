"""What the hub hears from the kitchen, through the durable outbox: tickets received, prints done.

A ticket of an in-store order is reported only once the hub knows that order (its own copy
of the ticket has arrived); until then the hub could not place the report.

The receipt of a ticket is held back for ``receipt_delay_s``: if the ticket prints in that time,
its print result says both (the hub records a printed ticket as delivered too) and the receipt is
not sent, which halves what the hub must apply. A ticket that does not print in time is reported
received on its own, so the hub knows the store has it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from contracts import topics
from contracts.kitchen import KitchenTicket, PrintOutcome, PrintResult, TicketReceived
from edge_agent.spool import SpoolJob, TicketSpool
from mqttlink.device_outbox import DeviceOutbox

logger = logging.getLogger(__name__)


class HubReports:
    def __init__(
        self, outbox: DeviceOutbox, spool: TicketSpool, store_id: str, *, receipt_delay_s: float = 1.0
    ) -> None:
        self._outbox = outbox
        self._spool = spool
        self._store_id = store_id
        self._receipt_delay_s = receipt_delay_s
        self._held: dict[tuple[str, int], asyncio.Task[None]] = {}

    async def received(self, ticket: KitchenTicket) -> None:
        if self._receipt_delay_s <= 0:
            await self._send_receipt(ticket)
            return
        key = (ticket.ticket_id, ticket.revision)
        if key not in self._held:
            self._held[key] = asyncio.create_task(self._receipt_later(ticket), name=f"receipt-{ticket.ticket_id}")

    async def _receipt_later(self, ticket: KitchenTicket) -> None:
        try:
            await asyncio.sleep(self._receipt_delay_s)  # the coalescing window, not a wait for something
            await self._send_receipt(ticket)
        finally:
            self._held.pop((ticket.ticket_id, ticket.revision), None)

    async def _send_receipt(self, ticket: KitchenTicket) -> None:
        body = TicketReceived(
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            revision=ticket.revision,
            store_id=self._store_id,
            station_id=ticket.station_id,
            at=datetime.now(UTC),
        )
        await asyncio.to_thread(self._received_now, ticket, body)

    def _received_now(self, ticket: KitchenTicket, body: TicketReceived) -> None:
        self._outbox.put_now(topics.TICKET_RECEIVED, body, store_id=self._store_id, station_id=ticket.station_id)
        self._spool.mark_received_reported(ticket)

    async def print_result(self, job: SpoolJob, outcome: PrintOutcome, error: str | None = None) -> None:
        if not job.hub_seen:
            return  # an in-store order the hub does not know yet: reported when its ticket comes back
        ticket = job.ticket
        body = PrintResult(
            job_id=job.job_id,
            ticket_id=ticket.ticket_id,
            order_id=ticket.order_id,
            revision=ticket.revision,
            store_id=self._store_id,
            station_id=ticket.station_id,
            printer_id=job.printer_id or "none",
            outcome=outcome,
            kind=job.kind.value,
            backup_from=job.backup_from,
            attempts=max(job.attempts, 1),
            error=error[:200] if error else None,
            at=datetime.now(UTC),
        )
        if outcome is PrintOutcome.PRINTED:
            held = self._held.pop((ticket.ticket_id, ticket.revision), None)
            if held is not None:
                held.cancel()  # the print result tells the hub the ticket arrived, too
        await asyncio.to_thread(self._result_now, job, body)

    def cancel_held(self) -> None:
        """At shutdown: the spool still marks these receipts unreported, so the next start sends them."""
        for task in list(self._held.values()):
            task.cancel()
        self._held.clear()

    async def print_result_printed(self, job: SpoolJob) -> None:
        await self.print_result(job, PrintOutcome.PRINTED)

    def _result_now(self, job: SpoolJob, body: PrintResult) -> None:
        self._outbox.put_now(topics.PRINT_RESULT, body, store_id=self._store_id)
        if body.outcome is PrintOutcome.PRINTED:
            self._spool.mark_result_reported(job, receipt_too=True)

    async def reconcile(self) -> None:
        """At start: whatever a crash kept from being queued for the hub."""
        receipts = await asyncio.to_thread(self._spool.unreported_receipts)
        for ticket in receipts:
            await self.received(ticket)
        results = await asyncio.to_thread(self._spool.unreported_results)
        for job in results:
            await self.print_result(job, PrintOutcome.PRINTED)
        if receipts or results:
            logger.info("queued %d receipts and %d print results a restart had held back", len(receipts), len(results))
