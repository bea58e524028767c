"""Kitchen tickets from the hub: journal first, then print; redeliveries are dropped.

The handler returns (and the broker's delivery is acknowledged) only once the ticket is on
disk, so a crash before that gets the ticket delivered again; the spool drops the repeat.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from contracts import topics
from contracts.envelope import Envelope, encode
from contracts.kitchen import KitchenTicket
from edge_agent.print_service import PrintService
from edge_agent.spool import Journaled
from mqttlink import MqttLinkPort, MqttMessage, dead_letter, subscribe_template

logger = logging.getLogger(__name__)


class TicketIntake:
    def __init__(self, link: MqttLinkPort, service: PrintService, *, root: str, store_id: str, device_id: str) -> None:
        self._link = link
        self._service = service
        self._root = root
        self._store_id = store_id
        self._device_id = device_id
        self.duplicates = 0

    async def start(self) -> None:
        await subscribe_template(
            self._link,
            topics.KITCHEN_TICKET,
            self.on_ticket,
            root=self._root,
            consumer=self._device_id,
            store_id=self._store_id,
        )

    async def on_ticket(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        ticket: KitchenTicket = envelope.body
        if envelope.source == self._device_id:
            return  # our own in-store ticket, published for the KDS: already journaled
        if ticket.store_id != self._store_id or ticket.station_id != params["station_id"]:
            reason = f"ticket {ticket.ticket_id} for {ticket.store_id}/{ticket.station_id} on the topic of {params}"
            topic = topics.KITCHEN_TICKET.build(root=self._root, **params)
            await dead_letter(
                self._link, MqttMessage(topic, encode(envelope)), reason, root=self._root, consumer=self._device_id
            )
            return
        service = self._service
        result = await asyncio.to_thread(service.spool.journal, ticket)
        if result.outcome is Journaled.NEW:
            assert result.job is not None
            await service.submit(result.job)
            logger.info("ticket %s r%d journaled (%s)", ticket.ticket_id, ticket.revision, result.job.kind.value)
            await service.reports.received(ticket)
        elif result.outcome is Journaled.DUPLICATE:
            self.duplicates += 1
            logger.debug("ticket %s r%d again: dropped", ticket.ticket_id, ticket.revision)
            if not result.received_reported:
                await service.reports.received(ticket)
        elif result.outcome is Journaled.HUB_CONFIRMED:
            logger.info("ticket %s r%d: the hub has our in-store order now", ticket.ticket_id, ticket.revision)
            await service.reports.received(ticket)
            for job in result.printed:
                job.hub_seen = True
                await service.reports.print_result_printed(job)
        else:
            logger.info("ticket %s r%d is older than one already here: not printed", ticket.ticket_id, ticket.revision)
