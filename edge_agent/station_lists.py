"""Publishes each station's open tickets, retained on the store broker, for the kitchen displays.

A display that starts, restarts or reconnects mid-shift gets its stations' lists from the broker
the moment it subscribes, and loads what it missed; the hub need not be reachable. The lists are
rebuilt at start from the spool (which already holds every ticket) and the closes kept on disk,
then follow the store's ticket and status topics: tickets from the hub and the agent's own in-store
tickets, bumps and recalls from the displays. Published straight to the broker, not through the
outbox: a retained list is only ever the latest word; a failed publish is tried again next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts import topics
from contracts.envelope import Envelope, decode
from contracts.errors import ContractError
from contracts.kitchen import KitchenTicket, TicketStatus
from edge_agent.open_tickets import Change, OpenTickets
from edge_agent.spool import TicketSpool
from edge_agent.ticket_closes import TicketCloses
from mqttlink import LinkError, MqttLinkPort, MqttMessage, publish_body
from mqttlink.messages import TypedHandler

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StationLists:
    def __init__(
        self,
        link: MqttLinkPort,
        spool: TicketSpool,
        closes: TicketCloses,
        *,
        root: str,
        store_id: str,
        device_id: str,
        lists: OpenTickets | None = None,
        republish_s: float = 300.0,
        coalesce_s: float = 0.2,
        clock: Clock = _utc_now,
    ) -> None:
        self._link = link
        self._spool = spool
        self._closes = closes
        self._root = root
        self._store_id = store_id
        self._device_id = device_id
        self.lists = lists or OpenTickets(store_id)
        self._republish_s = republish_s
        self._coalesce_s = coalesce_s
        self._clock = clock
        self._dirty: set[str] = set()
        self._wakeup = asyncio.Event()
        self.published = 0

    async def start(self) -> None:
        """Before the link connects: load the lists, subscribe to tickets and statuses."""
        now = self._clock()
        since = now - max(self.lists.max_age, self.lists.closed_for)
        recent = await asyncio.to_thread(self._spool.recent_tickets, since.timestamp())
        closes = await asyncio.to_thread(self._closes.since, since)
        self.lists.load([(t, datetime.fromtimestamp(at, UTC)) for t, at in recent], closes)
        self._dirty = self.lists.stations()
        logger.info(
            "open-ticket lists of store %s: %d recent tickets, %d closes, %d stations",
            self._store_id,
            len(recent),
            len(closes),
            len(self._dirty),
        )
        await self._listen(topics.KITCHEN_TICKET, self._on_ticket)
        await self._listen(topics.TICKET_STATUS, self._on_status)

    async def _listen(self, template: topics.TopicTemplate, handler: TypedHandler) -> None:
        """Only listens: what fails the contract is dead-lettered by its consumer (the intake, the hub)."""

        async def on_message(message: MqttMessage) -> None:
            params = template.parse(message.topic, root=self._root)
            if params is None or not message.payload:
                return
            try:
                envelope: Envelope[Any] = decode(message.payload, template.payload)
            except ContractError:
                return
            await handler(envelope, params)

        await self._link.subscribe(template.wildcard(root=self._root, store_id=self._store_id), on_message)

    async def run(self) -> None:
        """Publish what changed; everything again after a reconnect and every ``republish_s``."""
        loop = asyncio.get_running_loop()
        was_connected = False
        last_full = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):  # also notices a reconnect within a second
                    await self._wakeup.wait()
            self._wakeup.clear()
            connected = self._link.connected
            if connected and (not was_connected or loop.time() - last_full >= self._republish_s):
                await self._prune()
                last_full = loop.time()
            was_connected = connected
            if connected and self._dirty:
                await self.publish()
                await asyncio.sleep(self._coalesce_s)  # a burst of tickets makes one list, not one per ticket

    async def publish(self) -> None:
        dirty, self._dirty = self._dirty, set()
        now = self._clock()
        for station in sorted(dirty):
            body = self.lists.snapshot(station, now)
            try:
                await publish_body(
                    self._link,
                    topics.STATION_TICKETS,
                    body,
                    source=self._device_id,
                    root=self._root,
                    store_id=self._store_id,
                    station_id=station,
                )
            except LinkError as exc:
                logger.info("open tickets of %s not published (%s); next round", station, exc)
                self._dirty.add(station)
                continue
            self.published += 1
            logger.debug("open tickets of %s/%s: %d open", self._store_id, station, len(body.tickets))

    async def _prune(self) -> None:
        now = self._clock()
        self._dirty |= self.lists.stations() | self.lists.prune(now)
        horizon = max(self.lists.max_age, self.lists.closed_for)
        await asyncio.to_thread(self._closes.forget_before, now - horizon)

    async def _on_ticket(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        ticket: KitchenTicket = envelope.body
        if ticket.store_id != self._store_id or ticket.station_id != params["station_id"]:
            return  # the intake dead-letters it
        await self._changed(self.lists.ticket(ticket, self._clock()))

    async def _on_status(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        status: TicketStatus = envelope.body
        if status.station_id != params["station_id"]:
            return
        await self._changed(self.lists.status(status))

    async def _changed(self, change: Change | None) -> None:
        if change is None:
            return
        if change.closed is not None:
            await asyncio.to_thread(self._closes.record, change.closed)
        elif change.reopened is not None:
            await asyncio.to_thread(self._closes.reopen, change.reopened)
        self._dirty.add(change.station_id)
        self._wakeup.set()
