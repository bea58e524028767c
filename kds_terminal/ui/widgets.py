"""The display's widgets: ticket cards, the status bar, the all-day panel, the offline banner."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from kds_terminal.labels import Ago, Labels
from kds_terminal.tickets import AgeLevel, Phase
from kds_terminal.ui.card_text import CardView, card_body, card_subtitle, card_title

_LEVEL_CLASSES = tuple(f"-{level.value}" for level in AgeLevel)


class TicketCard(Static):
    """One slot of the board grid; shows a ticket or stays blank (the grid never reflows).

    A ticket longer than the card never hides items silently: the last row says how many more.
    A tap (touch screen) selects it, like its number key.
    """

    class Chosen(Message):
        def __init__(self, slot: int) -> None:
            super().__init__()
            self.slot = slot

    def __init__(self, slot: int) -> None:
        super().__init__("", id=f"slot-{slot}", classes="-empty")
        self.slot = slot
        self.ticket_id: str | None = None
        self.hidden_rows = 0
        self._body = Text()
        self._labels: Labels | None = None

    def show_ticket(self, view: CardView, level: AgeLevel, labels: Labels) -> None:
        self.ticket_id = view.ticket.ticket_id
        self.border_title = card_title(view, labels)
        self.border_subtitle = card_subtitle(view, labels)
        self._body = card_body(view, labels)
        self._labels = labels
        self._fit()
        self.remove_class("-empty", *_LEVEL_CLASSES)
        self.add_class(f"-{level.value}")
        self.set_class(view.selected, "-selected")
        self.set_class(view.is_new, "-new")
        self.set_class(view.ticket.phase is Phase.CANCELLED, "-cancelled")

    def on_click(self) -> None:
        if self.ticket_id is not None:
            self.post_message(self.Chosen(self.slot))

    def on_resize(self) -> None:
        if self.ticket_id is not None:
            self._fit()

    def _fit(self) -> None:
        width, height = self.content_size
        if width <= 0 or height <= 0 or self._labels is None:
            self.hidden_rows = 0
            self.update(self._body)
            return
        rows = self._body.wrap(self.app.console, width, overflow="fold")
        if len(rows) <= height:
            self.hidden_rows = 0
            self.update(self._body)
            return
        self.hidden_rows = len(rows) - (height - 1)
        shown = Text("\n").join(rows[: height - 1])
        shown.append("\n")
        shown.append(f"▼ {self._labels('more_rows', n=self.hidden_rows)} ▼", style="bold black on yellow")
        self.update(shown)

    def show_nothing(self) -> None:
        self.ticket_id = None
        self.hidden_rows = 0
        self.border_title = ""
        self.border_subtitle = ""
        self.update("")
        self.remove_class("-selected", "-new", "-cancelled", *_LEVEL_CLASSES)
        self.add_class("-empty")


class StatusBar(Static):
    def show_status(
        self,
        *,
        stations: str,
        store_id: str,
        count: int,
        page: int,
        pages: int,
        clock: str,
        feed_up: bool,
        pending: int,
        labels: Labels,
    ) -> None:
        text = Text()
        text.append(f" {stations} ", style="bold reverse")
        text.append(f" {store_id}  ", style="dim")
        text.append(f"{count} {labels('tickets')}", style="bold")
        if pages > 1:
            text.append(f"  {labels('page')} {page}/{pages}", style="bold yellow")
        text.append(f"  {clock}  ")
        if feed_up:
            text.append(f"● {labels('online')}", style="bold green")
        else:
            text.append(f"● {labels('offline')}", style="bold white on red")
        if pending:
            text.append(f"  ⇡ {labels('waiting_to_send', n=pending)}", style="yellow")
        self.update(text)


class AllDayPanel(Static):
    def show_counts(self, counts: list[tuple[str, int]], labels: Labels) -> None:
        text = Text()
        text.append(f"{labels('all_day_title')}\n", style="bold underline")
        if not counts:
            text.append("—", style="dim")
        for name, quantity in counts:
            text.append(f"{quantity:>4}  ", style="bold yellow")
            text.append(f"{name}\n")
        text.rstrip()
        self.update(text)


class OfflineBanner(Static):
    """Drawn over the cards while the feed is down; the cards stay visible around it."""

    def show_offline(self, reason: str, seconds: float, pending: int, labels: Labels) -> None:
        text = Text(justify="center")
        text.append(f"⚠ {labels('offline')} · {labels(reason)} · {labels('feed_down')}\n", style="bold")
        text.append(labels("last_update", ago=Ago(seconds)))
        if pending:
            text.append(f" · {labels('waiting_to_send', n=pending)}")
        self.update(text)
        self.add_class("-visible")

    def hide(self) -> None:
        self.remove_class("-visible")

    @property
    def visible_now(self) -> bool:
        return self.has_class("-visible")
