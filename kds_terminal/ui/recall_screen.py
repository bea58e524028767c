"""The last bumped tickets; a number key (or arrows and the bump key) brings one back."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from kds_terminal.labels import Labels
from kds_terminal.tickets import BoardTicket


class RecallScreen(ModalScreen[str | None]):
    """Dismisses with the ticket id to recall, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(n % 10), f"pick({n})", show=False, id=f"kds.recall_pick_{n}") for n in range(1, 11)),
        Binding("up", "move(-1)", show=False, id="kds.recall_up"),
        Binding("down", "move(1)", show=False, id="kds.recall_down"),
        Binding("enter,slash,r,b", "choose", show=False, id="kds.recall_choose"),
        Binding("escape,full_stop,h", "close", show=False, id="kds.recall_close"),
    ]

    def __init__(self, bumped: list[BoardTicket], labels: Labels, timezone: ZoneInfo) -> None:
        super().__init__()
        self._bumped = bumped
        self._labels = labels
        self._timezone = timezone
        self._index = 0

    def compose(self) -> ComposeResult:
        yield Static(id="recall-list")

    def on_mount(self) -> None:
        self.query_one("#recall-list", Static).border_title = self._labels("recall_title")
        self._draw()

    def _draw(self) -> None:
        text = Text()
        if not self._bumped:
            text.append(self._labels("recall_empty"), style="dim")
        for i, ticket in enumerate(self._bumped):
            key = str((i + 1) % 10) if i < 10 else " "
            bumped_at = _clock(ticket.bumped_at, self._timezone)
            items = sum(line.quantity for line in ticket.bumpable_lines)
            row = f" {key}  #{ticket.order_number:<8} {bumped_at}  {items}×  {_summary(ticket)} "
            text.append(row + "\n", style="bold reverse" if i == self._index else "")
        text.rstrip()
        self.query_one("#recall-list", Static).update(text)

    def action_pick(self, n: int) -> None:
        if 1 <= n <= min(10, len(self._bumped)):
            self.dismiss(self._bumped[n - 1].ticket_id)

    def action_move(self, delta: int) -> None:
        if self._bumped:
            self._index = max(0, min(len(self._bumped) - 1, self._index + delta))
            self._draw()

    def action_choose(self) -> None:
        self.dismiss(self._bumped[self._index].ticket_id if self._bumped else None)

    def action_close(self) -> None:
        self.dismiss(None)


def _clock(at: datetime | None, timezone: ZoneInfo) -> str:
    return at.astimezone(timezone).strftime("%H:%M:%S") if at is not None else "--:--:--"


def _summary(ticket: BoardTicket) -> str:
    names = ", ".join(line.name for line in ticket.bumpable_lines[:3])
    return names + (" …" if len(ticket.bumpable_lines) > 3 else "")
