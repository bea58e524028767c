"""The kitchen display's Textual app: a view on ``KdsController`` driven by a bump bar.

``create_app(settings)`` builds it against a broker (a ``link`` may be given: tests pass a fake or
a link to their own broker); the app owns that link: it starts it on mount and stops it on exit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App, ComposeResult
from textual.binding import BindingsMap
from textual.containers import Container, Horizontal
from textual.message import Message
from textual.widgets import Footer

from contracts.devices import Presence, PresenceStatus
from contracts.kitchen import TicketState
from kds_terminal.controller import Clock, HubRefusal, KdsController, utc_now
from kds_terminal.cursor import Cursor
from kds_terminal.labels import Labels
from kds_terminal.settings import KdsSettings
from kds_terminal.tickets import BoardError, BoardTicket, Outcome, OutcomeKind, Phase
from kds_terminal.ui.card_text import CardView
from kds_terminal.ui.keymap import board_bindings
from kds_terminal.ui.recall_screen import RecallScreen
from kds_terminal.ui.widgets import AllDayPanel, OfflineBanner, StatusBar, TicketCard
from mqttlink import MqttLinkPort, PahoMqttLink

logger = logging.getLogger(__name__)

_ALERTS = {
    OutcomeKind.NEW: ("new_ticket", "information"),
    OutcomeKind.CHANGED: ("changed_ticket", "warning"),
    OutcomeKind.CANCELLED: ("cancelled_ticket", "error"),
    OutcomeKind.CAUGHT_UP: ("caught_up", "information"),
}


class BoardChanged(Message):
    def __init__(self, outcome: Outcome | None) -> None:
        super().__init__()
        self.outcome = outcome


class HubRefused(Message):
    def __init__(self, refusal: HubRefusal) -> None:
        super().__init__()
        self.refusal = refusal


_REFUSED = {TicketState.READY: "refused_bump", TicketState.RECALLED: "refused_recall"}


class KdsApp(App[None]):
    CSS_PATH = "ui/kds.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "Brigade KDS"

    def __init__(self, settings: KdsSettings, link: MqttLinkPort, *, clock: Clock = utc_now, send: bool = True) -> None:
        super().__init__()
        self.settings = settings
        self.link = link
        self.labels = Labels(settings.language)
        self.timezone = ZoneInfo(settings.timezone)
        self.controller = KdsController(settings, link, clock=clock, send=send)
        self.controller.add_listener(self._board_changed)
        self.controller.add_refusal_listener(self._hub_refused)
        self.cursor = Cursor(page_size=settings.columns * settings.rows)
        self._slots: list[TicketCard] = []
        self._redraw_queued = False
        self.alerts: list[Outcome] = []
        """Every alert raised (new, changed, cancelled tickets), for tests and the log."""
        self._bindings = BindingsMap([*(b for _, b in self._bindings), *board_bindings(self.labels)])
        if settings.keymap:
            self.set_keymap(settings.keymap)

    def _board_changed(self, outcome: Outcome | None) -> None:
        self.post_message(BoardChanged(outcome))

    def _hub_refused(self, refusal: HubRefusal) -> None:
        self.post_message(HubRefused(refusal))

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Container(id="board"):
                for slot in range(1, self.cursor.page_size + 1):
                    yield TicketCard(slot)
            yield AllDayPanel(id="all-day", classes="" if self.settings.show_all_day else "-hidden")
        yield OfflineBanner(id="offline")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        board = self.query_one("#board")
        board.styles.grid_size_columns = self.settings.columns
        board.styles.grid_size_rows = self.settings.rows
        # Held, not queried: a recall list on top is the active screen, and redraws go on under it.
        self._slots = list(self.query(TicketCard))
        self._status = self.query_one(StatusBar)
        self._all_day = self.query_one(AllDayPanel)
        self._banner = self.query_one(OfflineBanner)
        self.redraw()
        await self.controller.start()  # subscribes first: the link subscribes before it announces online
        await self.link.start()
        self.set_interval(1.0, self.tick, name="kds-tick")

    async def on_unmount(self) -> None:
        await self.link.stop()  # first: no ack may land on a closed outbox
        await self.controller.stop()

    # -- updates -----------------------------------------------------------------------------

    def on_board_changed(self, message: BoardChanged) -> None:
        outcome = message.outcome
        if outcome is not None and outcome.alert and outcome.kind in _ALERTS:
            self._alert(outcome)
        if not self._redraw_queued:  # a burst of tickets (a reconnect) draws once, after the burst
            self._redraw_queued = True
            self.call_later(self._queued_redraw)

    def on_hub_refused(self, message: HubRefused) -> None:
        """The hub refused what a cook did: say which ticket and why, where the cook looks."""
        refusal = message.refusal
        key = _REFUSED.get(refusal.state, "refused_status") if refusal.state is not None else "refused_status"
        number = refusal.order_number or refusal.ticket_id or "?"
        if self.settings.bell:
            self.bell()
        self.notify(self.labels(key, number=number, reason=refusal.reason), severity="error", timeout=15)

    def _queued_redraw(self) -> None:
        self._redraw_queued = False
        self.redraw()

    def tick(self) -> None:
        """Once a second: timers, expired cards, the offline banner, the count of unsent statuses."""
        self.controller.tick()
        self._count_pending()
        self.redraw()

    @work(group="pending", exit_on_error=False)
    async def _count_pending(self) -> None:
        """Read the outbox size in a thread; redraw when it changed."""
        before = self.controller.pending_sends
        if await self.controller.count_pending() != before:
            self.redraw()

    def redraw(self) -> None:
        cards = self.controller.board.on_screen()
        self.cursor.reconcile(cards)
        now = self.controller.clock()
        visible = self.cursor.visible(cards)
        board = self.controller.board
        show_station = len(self.settings.stations) > 1
        for slot_widget in self._slots:
            index = slot_widget.slot - 1
            if index >= len(visible):
                slot_widget.show_nothing()
                continue
            ticket = visible[index]
            selected = ticket.ticket_id == self.cursor.ticket_id
            view = CardView(
                ticket=ticket,
                slot=slot_widget.slot,
                selected=selected,
                cursor_line=self.cursor.line_id if selected else None,
                now=now,
                is_new=ticket.phase is Phase.ACTIVE and ticket.is_new(now, self.settings.new_highlight_s),
                show_station=show_station,
                timezone=self.timezone,
            )
            slot_widget.show_ticket(view, board.level(ticket, now), self.labels)
        feed_down = self.controller.feed_down_reason
        self._status.show_status(
            stations=" · ".join(self._station_names(cards)),
            store_id=self.settings.store_id,
            count=len(cards),
            page=self.cursor.page + 1,
            pages=self.cursor.pages(len(cards)),
            clock=now.astimezone(self.timezone).strftime("%H:%M:%S"),
            feed_up=feed_down is None,
            pending=self.controller.pending_sends,
            labels=self.labels,
        )
        self._all_day.show_counts(board.all_day(), self.labels)
        if feed_down is None:
            self._banner.hide()
        else:
            self._banner.show_offline(
                feed_down, self.controller.seconds_since_update(), self.controller.pending_sends, self.labels
            )

    def _station_names(self, cards: list[BoardTicket]) -> list[str]:
        names = {c.station_id: c.station_name for c in cards}
        names.update({t.station_id: t.station_name for t in self.controller.board.recent_bumps()})
        return [names.get(station, station) for station in self.settings.stations]

    def _alert(self, outcome: Outcome) -> None:
        self.alerts.append(outcome)
        ticket = self.controller.board.tickets.get(outcome.ticket_id)
        number = ticket.order_number if ticket is not None else outcome.ticket_id
        key, severity = _ALERTS[outcome.kind]
        if self.settings.bell:
            self.bell()
        text = self.labels(key, number=number, count=outcome.count)
        self.notify(text, severity=severity, timeout=6)  # type: ignore[arg-type]

    # -- actions: the bump bar ---------------------------------------------------------------

    def _cards(self) -> list[BoardTicket]:
        return self.controller.board.on_screen()

    def _run(self, command: Callable[[], Outcome]) -> Outcome | None:
        """Run a board command; a refusal is a notice on screen, never a crash."""
        try:
            return command()
        except BoardError as exc:
            logger.info("kds %s: command refused: %s", self.controller.device_id, exc)
            self.notify(str(exc), severity="warning", timeout=4)
            return None

    def on_ticket_card_chosen(self, message: TicketCard.Chosen) -> None:
        self.action_select(message.slot)

    def action_select(self, slot: int) -> None:
        if self.cursor.select_slot(slot, self._cards()):
            self.redraw()

    def action_move(self, delta: int) -> None:
        self.cursor.move(delta, self._cards())
        self.redraw()

    def action_move_line(self, delta: int) -> None:
        self.cursor.move_line(delta, self._cards())
        self.redraw()

    def action_page(self, delta: int) -> None:
        self.cursor.turn_page(delta, self._cards())
        self.redraw()

    def action_first(self) -> None:
        self.cursor.turn_page(-self.cursor.page, self._cards())
        self.redraw()

    def action_clear(self) -> None:
        self.cursor.clear_line()
        self.redraw()

    def action_bump(self) -> None:
        ticket = self.cursor.target(self._cards())
        if ticket is None:
            return
        outcome = self._run(lambda: self.controller.bump_ticket(ticket.ticket_id))
        if outcome is not None and outcome.kind is OutcomeKind.BUMPED:
            self.notify(self.labels("bumped_ticket", number=ticket.order_number), timeout=3)

    def action_bump_item(self) -> None:
        ticket = self.cursor.target(self._cards())
        if ticket is None:
            return
        line_id = self.cursor.item_target(ticket)
        if line_id is None:
            return
        self.cursor.line_id = line_id
        outcome = self._run(lambda: self.controller.bump_line(ticket.ticket_id, line_id))
        if outcome is None:
            return
        if outcome.kind is OutcomeKind.BUMPED:  # the last open item: the whole ticket is done
            self.cursor.clear_line()
            self.notify(self.labels("last_item_bumped", number=ticket.order_number), timeout=4)
        else:
            self.cursor.after_item_bump(ticket)
        self.redraw()

    def action_recall_last(self) -> None:
        self._recall(None)

    def action_recall_list(self) -> None:
        screen = RecallScreen(self.controller.board.recent_bumps(), self.labels, self.timezone)
        self.push_screen(screen, self._recall_chosen)

    def _recall_chosen(self, ticket_id: str | None) -> None:
        if ticket_id is not None:
            self._recall(ticket_id)

    def _recall(self, ticket_id: str | None) -> None:
        outcome = self._run(lambda: self.controller.recall(ticket_id))
        if outcome is None:
            return
        self.cursor.ticket_id = outcome.ticket_id
        self.cursor.line_id = None
        ticket = self.controller.board.tickets.get(outcome.ticket_id)
        if ticket is not None:
            self.notify(self.labels("recalled_ticket", number=ticket.order_number), timeout=3)
        self.redraw()

    def action_toggle_all_day(self) -> None:
        self._all_day.toggle_class("-hidden")


def create_app(
    settings: KdsSettings, *, link: MqttLinkPort | None = None, clock: Clock = utc_now, send: bool = True
) -> KdsApp:
    """The display for ``settings``; without ``link``, a real MQTT link with retained presence."""
    if link is None:
        presence = Presence(
            client_id=settings.resolved_device_id,
            status=PresenceStatus.ONLINE,
            kind="kds",
            store_id=settings.store_id,
        )
        link = PahoMqttLink(settings.link_settings, presence=presence)
    return KdsApp(settings, link, clock=clock, send=send)
