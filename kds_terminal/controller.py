"""A station's display without its screen: the board, its feed, its file and its outbox.

The Textual app is a view on this; tests and the edge engineer's end-to-end test can drive it
headless. Commands (bump, recall) change the board at once and hand the statuses to the writer:
they never wait on the network or the disk. A status the hub refuses (a bump of a cancelled order)
comes back in its ack; refusal listeners (the screen) are told which ticket, what, and why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.envelope import decode
from contracts.errors import ContractError
from contracts.kitchen import KitchenTicket, StationTickets, TicketState, TicketStatus
from kds_terminal.board import Board
from kds_terminal.board_codec import StateFormatError, board_to_doc, load_doc
from kds_terminal.board_file import BoardFile
from kds_terminal.feed import TicketFeed
from kds_terminal.settings import KdsSettings
from kds_terminal.tickets import BoardError, Outcome, OutcomeKind
from kds_terminal.writer import KdsWriter
from mqttlink import MqttLinkPort
from mqttlink.device_outbox import DeviceOutbox, RefusedMessage

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Listener = Callable[[Outcome | None], None]
"""Called on the event loop after every board change (None: reloaded or expired)."""


@dataclass(frozen=True, slots=True)
class HubRefusal:
    """A status of this display that the hub refused: nothing of it was applied at the hub."""

    ticket_id: str | None
    order_number: str | None
    state: TicketState | None
    """What the cook did: ready (a bump), recalled (a recall)..."""
    code: str
    reason: str


RefusalListener = Callable[[HubRefusal], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


class DisplayNotReady(BoardError):
    code = "kds.not_ready"


class KdsController:
    def __init__(self, settings: KdsSettings, link: MqttLinkPort, *, clock: Clock = utc_now, send: bool = True) -> None:
        self.settings = settings
        self.link = link
        self.clock = clock
        self.device_id = settings.resolved_device_id
        self._send = send
        self.board = Board(
            store_id=settings.store_id,
            stations=settings.stations,
            thresholds=settings.thresholds(),
            default_thresholds=settings.default_thresholds,
            history_size=settings.recall_depth,
            cancelled_display_s=settings.cancelled_display_s,
        )
        self.feed = TicketFeed(
            link,
            self._receive,
            root=settings.mqtt.topic_root,
            store_id=settings.store_id,
            stations=tuple(settings.stations),
            device_id=self.device_id,
            watch_presence=tuple(settings.watch_presence),
            on_list=self._load_list,
        )
        self.outbox: DeviceOutbox | None = None
        self.writer: KdsWriter | None = None
        self._file: BoardFile | None = None
        self._listeners: list[Listener] = []
        self._refusal_listeners: list[RefusalListener] = []
        self.last_update_at = clock()
        self.pending_sends = 0
        self._counting = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the saved board, then listen. Subscriptions are kept by the link across reconnects."""
        self._file = await asyncio.to_thread(BoardFile.open_or_set_aside, self.settings.board_path)
        doc = await asyncio.to_thread(self._file.load)
        if doc is not None:
            try:
                load_doc(self.board, doc)
            except StateFormatError as exc:
                logger.warning("kds %s: ignoring saved board (%s)", self.device_id, exc)
        self.outbox = await asyncio.to_thread(
            DeviceOutbox,
            self.settings.outbox_path,
            self.link,
            device_id=self.device_id,
            root=self.settings.mqtt.topic_root,
            retry_after_s=self.settings.outbox_retry_s,
            on_refused=self._refused,
        )
        self.writer = KdsWriter(self.outbox, self._file, lambda: board_to_doc(self.board), device_id=self.device_id)
        self.writer.start()
        await self.outbox.start(send=self._send)
        await self.feed.start()
        logger.info(
            "kds %s started for %s/%s with %d tickets on screen",
            self.device_id,
            self.settings.store_id,
            ",".join(self.settings.stations),
            len(self.board.on_screen()),
        )
        self._emit(None)

    async def stop(self) -> None:
        await self.feed.stop()
        if self.writer is not None:
            await self.writer.stop()
        if self.outbox is not None:
            await self.outbox.stop()
        if self._file is not None:
            await asyncio.to_thread(self._file.close)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def add_refusal_listener(self, listener: RefusalListener) -> None:
        self._refusal_listeners.append(listener)

    async def _refused(self, message: RefusedMessage) -> None:
        status: TicketStatus | None = None
        try:
            status = decode(message.payload, TicketStatus).body if message.payload else None
        except ContractError:
            logger.warning(
                "kds %s: the hub refused %s, which is not a ticket status", self.device_id, message.message_id
            )
        ticket = self.board.tickets.get(status.ticket_id) if status is not None else None
        refusal = HubRefusal(
            ticket_id=status.ticket_id if status is not None else None,
            order_number=ticket.order_number if ticket is not None else None,
            state=status.state if status is not None else None,
            code=message.code,
            reason=message.reason,
        )
        logger.warning(
            "kds %s: the hub refused %s of ticket %s (%s)",
            self.device_id,
            refusal.state.value if refusal.state is not None else "a status",
            refusal.ticket_id,
            refusal.code,
        )
        for listener in self._refusal_listeners:
            listener(refusal)

    # -- commands from the cooks ------------------------------------------------------------

    def bump_ticket(self, ticket_id: str) -> Outcome:
        self._require_started()
        return self._apply(self.board.bump_ticket(ticket_id, self.clock()))

    def bump_line(self, ticket_id: str, line_id: str) -> Outcome:
        self._require_started()
        return self._apply(self.board.bump_line(ticket_id, line_id, self.clock()))

    def recall(self, ticket_id: str | None = None) -> Outcome:
        self._require_started()
        return self._apply(self.board.recall(ticket_id, self.clock()))

    # -- time --------------------------------------------------------------------------------

    def tick(self) -> bool:
        """Once a second: note the feed is current, take expired cards off. True if the board changed."""
        now = self.clock()
        if self.feed.down_reason is None:
            self.last_update_at = now
        changed = self.board.expire(now)
        if changed and self.writer is not None:
            self.writer.submit()
            self._emit(None)
        return changed

    async def count_pending(self) -> int:
        """How many statuses still wait for the hub's ack (read in a thread; never overlaps itself)."""
        if self.outbox is None or self._counting:
            return self.pending_sends
        self._counting = True
        try:
            self.pending_sends = await asyncio.to_thread(self.outbox.pending)
        finally:
            self._counting = False
        return self.pending_sends

    @property
    def feed_down_reason(self) -> str | None:
        return self.feed.down_reason

    def seconds_since_update(self) -> float:
        return max(0.0, (self.clock() - self.last_update_at).total_seconds())

    # -- internals ---------------------------------------------------------------------------

    def _require_started(self) -> KdsWriter:
        if self.writer is None:
            raise DisplayNotReady("the display is still starting")
        return self.writer

    def _receive(self, ticket: KitchenTicket) -> None:
        writer = self._require_started()
        outcome = self.board.receive(ticket, self.clock())
        self.last_update_at = self.clock()
        if outcome.changed_board:
            logger.info("kds %s: ticket %s rev %d %s", self.device_id, ticket.ticket_id, ticket.revision, outcome.kind)
            writer.submit(outcome.statuses)
            self._emit(outcome)
        else:
            logger.debug("kds %s: ticket %s rev %d duplicate", self.device_id, ticket.ticket_id, ticket.revision)

    def _load_list(self, body: StationTickets) -> None:
        """Reconcile with the store's open tickets of a station: add what is missing, take off what
        another display bumped or the order cancelled. Redeliveries change nothing (revisions)."""
        writer = self._require_started()
        now = self.clock()
        changed = shown = 0
        first: Outcome | None = None
        for entry in body.tickets:
            try:
                outcome = self.board.receive(entry.ticket, now, arrived_at=entry.received_at)
            except BoardError as exc:
                logger.warning("kds %s: list ticket %s refused: %s", self.device_id, entry.ticket.ticket_id, exc)
                continue
            if outcome.changed_board:
                changed += 1
                writer.submit(outcome.statuses)
            if outcome.kind in (OutcomeKind.NEW, OutcomeKind.CHANGED):
                shown += 1
                first = first or outcome
        for closed in body.closed:
            if closed.device_id == self.device_id:
                continue  # our own bump: this board knows better (it may have been recalled since)
            cancelled = closed.reason == "cancelled"
            outcome = self.board.close(closed.ticket_id, closed.revision, cancelled=cancelled, now=now)
            if outcome.changed_board:
                changed += 1
        self.last_update_at = now
        if not changed:
            return
        logger.info(
            "kds %s: open tickets of %s loaded: %d shown or changed, %d changes in all",
            self.device_id,
            body.station_id,
            shown,
            changed,
        )
        writer.submit()
        if shown == 1 and first is not None:
            self._emit(first)  # one ticket (the list came before the ticket itself): alerted as usual
        else:
            ticket_id = first.ticket_id if first is not None else body.station_id
            self._emit(Outcome(OutcomeKind.CAUGHT_UP, ticket_id, alert=shown > 0, count=shown))

    def _apply(self, outcome: Outcome) -> Outcome:
        logger.info("kds %s: ticket %s %s", self.device_id, outcome.ticket_id, outcome.kind)
        self._require_started().submit(outcome.statuses, board_changed=outcome.changed_board)
        self._emit(outcome)
        return outcome

    def _emit(self, outcome: Outcome | None) -> None:
        for listener in self._listeners:
            listener(outcome)
