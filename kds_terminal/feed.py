"""The display's feed: kitchen tickets for its stations, and whether that feed is up.

Each station's open-ticket list (retained by the store's edge agent) comes with every subscribe,
so on start and on every reconnect the display loads what it missed; it comes again whenever the
list changes.

Bad payloads are dead-lettered by ``subscribe_template``; a ticket the board refuses (another
store, a station this screen does not serve) is dead-lettered here with the reason. Nothing here
ever stops the display, and dead-lettering never holds up the next ticket.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import Envelope, encode
from contracts.kitchen import KitchenTicket, StationTickets
from kds_terminal.tickets import BoardError
from mqttlink import LinkError, MqttLinkPort, MqttMessage, dead_letter, subscribe_template

logger = logging.getLogger(__name__)

TicketSink = Callable[[KitchenTicket], None]
ListSink = Callable[[StationTickets], None]


class TicketFeed:
    def __init__(
        self,
        link: MqttLinkPort,
        on_ticket: TicketSink,
        *,
        root: str,
        store_id: str,
        stations: tuple[str, ...],
        device_id: str,
        watch_presence: tuple[str, ...] = (),
        on_list: ListSink | None = None,
    ) -> None:
        self._link = link
        self._on_ticket = on_ticket
        self._on_list = on_list
        self._root = root
        self._store_id = store_id
        self._stations = stations
        self._device_id = device_id
        self._watched: dict[str, PresenceStatus | None] = dict.fromkeys(watch_presence)
        self._background: set[asyncio.Task[None]] = set()
        self.received = 0
        self.rejected = 0
        self.lists_loaded = 0

    async def start(self) -> None:
        for station in self._stations:
            await subscribe_template(
                self._link,
                topics.KITCHEN_TICKET,
                self._on_envelope,
                root=self._root,
                consumer=self._device_id,
                store_id=self._store_id,
                station_id=station,
            )
            if self._on_list is not None:
                await subscribe_template(
                    self._link,
                    topics.STATION_TICKETS,
                    self._on_station_list,
                    root=self._root,
                    consumer=self._device_id,
                    store_id=self._store_id,
                    station_id=station,
                )
        for client_id in self._watched:
            await subscribe_template(
                self._link,
                topics.PRESENCE,
                self._on_presence,
                root=self._root,
                consumer=self._device_id,
                client_id=client_id,
            )

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()

    @property
    def down_reason(self) -> str | None:
        """None while tickets can reach this screen; else a label key saying why not."""
        if not self._link.connected:
            return "broker_down"
        if any(status is PresenceStatus.OFFLINE for status in self._watched.values()):
            return "edge_offline"
        return None

    async def _on_envelope(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        ticket: KitchenTicket = envelope.body
        self.received += 1
        try:
            if params["station_id"] != ticket.station_id or params["store_id"] != ticket.store_id:
                raise BoardError(
                    f"ticket {ticket.ticket_id} for {ticket.store_id}/{ticket.station_id} "
                    f"arrived on {params['store_id']}/{params['station_id']}"
                )
            self._on_ticket(ticket)
        except BoardError as exc:
            self._reject(envelope, params, f"{exc.code}: {exc}")
        except Exception as exc:  # a bug of ours must not stop the display: log, dead-letter, go on
            logger.exception("kds %s failed on ticket %s", self._device_id, ticket.ticket_id)
            self._reject(envelope, params, f"kds.failed: {exc!r}")

    async def _on_station_list(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        body: StationTickets = envelope.body
        if body.store_id != params["store_id"] or body.station_id != params["station_id"] or self._on_list is None:
            logger.warning("kds %s: ignoring a ticket list for %s/%s", self._device_id, body.store_id, body.station_id)
            return
        try:
            self._on_list(body)
            self.lists_loaded += 1
        except Exception:  # a bug of ours must not stop the display
            logger.exception("kds %s failed on the open tickets of %s", self._device_id, body.station_id)

    async def _on_presence(self, envelope: Envelope[Any], params: dict[str, str]) -> None:
        presence: Presence = envelope.body
        if params["client_id"] in self._watched:
            self._watched[params["client_id"]] = presence.status
            logger.info("kds %s: %s is %s", self._device_id, params["client_id"], presence.status)

    def _reject(self, envelope: Envelope[Any], params: dict[str, str], reason: str) -> None:
        self.rejected += 1
        logger.warning("kds %s rejected message %s: %s", self._device_id, envelope.id, reason)
        message = MqttMessage(topics.KITCHEN_TICKET.build(root=self._root, **params), encode(envelope), qos=1)
        task = asyncio.create_task(self._dead_letter(message, reason, envelope.source))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _dead_letter(self, message: MqttMessage, reason: str, source: str) -> None:
        try:
            await dead_letter(self._link, message, reason, root=self._root, consumer=self._device_id, source=source)
        except LinkError as exc:
            logger.warning("kds %s could not dead-letter a message: %s", self._device_id, exc)
