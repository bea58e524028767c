"""A ticket card's text: big order number in the title, lines with their marks, timer in the subtitle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from kds_terminal.labels import Labels, timer
from kds_terminal.tickets import BoardLine, BoardTicket, LineChange, Phase


@dataclass(frozen=True)
class CardView:
    """Everything a card needs to draw one ticket."""

    ticket: BoardTicket
    slot: int
    """1-based key that selects it."""
    selected: bool
    cursor_line: str | None
    now: datetime
    is_new: bool
    show_station: bool
    timezone: ZoneInfo | None = None


def card_title(view: CardView, labels: Labels) -> str:
    ticket = view.ticket
    key = "0" if view.slot == 10 else str(view.slot)
    station = f" {ticket.station_name}" if view.show_station else ""
    return f" {key} │ #{ticket.order_number}{station} "


def card_subtitle(view: CardView, labels: Labels) -> str:
    ticket = view.ticket
    if ticket.phase is Phase.CANCELLED:
        return f" {labels('cancelled')} "
    return f" {timer(ticket.age_s(view.now))} "


def card_body(view: CardView, labels: Labels) -> Text:
    ticket = view.ticket
    text = Text(no_wrap=False, overflow="fold")
    badges = _badges(view, labels)
    if badges:
        text.append_text(badges)
        text.append("\n")
    meta = [ticket.channel]
    if ticket.customer_display:
        meta.append(ticket.customer_display)
    if ticket.due_at is not None:
        due = ticket.due_at.astimezone(view.timezone) if view.timezone else ticket.due_at
        meta.append(f"{labels('due')} {due:%H:%M}")
    text.append(" · ".join(meta), style="dim")
    text.append("\n")
    for line in ticket.lines:
        _append_line(text, line, view, labels)
    if ticket.notes:
        text.append(f"{labels('note')}: {ticket.notes}\n", style="bold magenta")
    if ticket.phase is Phase.CANCELLED:
        text.stylize("strike dim", 0, len(text))
    text.rstrip()
    return text


def _badges(view: CardView, labels: Labels) -> Text:
    ticket = view.ticket
    badges = Text()
    marks: list[tuple[str, str]] = []
    if ticket.phase is Phase.CANCELLED:
        marks.append((labels("cancelled"), "bold white on red"))
    else:
        if view.is_new and not ticket.changed:
            marks.append((labels("new"), "bold black on bright_cyan"))
        if ticket.changed:
            marks.append((labels("changed"), "bold black on yellow"))
        if ticket.recalled:
            marks.append((labels("recalled"), "bold white on blue"))
    for i, (word, style) in enumerate(marks):
        if i:
            badges.append(" ")
        badges.append(f" {word} ", style=style)
    return badges


def _append_line(text: Text, line: BoardLine, view: CardView, labels: Labels) -> None:
    cursor = view.selected and view.cursor_line == line.line_id
    text.append("▶" if cursor else " ", style="bold yellow")
    focus = " reverse" if cursor else ""
    if line.removed:
        text.append(f"{line.quantity}× {line.name}", style="strike red" + focus)
        text.append(f" {labels('removed')}\n", style="bold red")
        return
    if line.bumped:
        text.append(f"✓ {line.quantity}× {line.name}", style="dim strike" + focus)
        text.append("\n")
        return
    style = "bold"
    if line.change is LineChange.ADDED:
        style = "bold green"
    elif line.change is LineChange.CHANGED:
        style = "bold yellow"
    text.append(f"{line.quantity}× {line.name}", style=style + focus)
    if line.change is LineChange.ADDED:
        text.append(f" {labels('added')}", style="green")
    elif line.change is LineChange.CHANGED and line.previous_quantity is not None:
        text.append(f" ({labels('was')} {line.previous_quantity})", style="yellow")
    text.append("\n")
    for modifier in line.modifiers:
        text.append(f"    · {modifier}\n", style="cyan")
    if line.note:
        text.append(f"    ! {line.note}\n", style="bold magenta")
    if line.allergens:
        text.append(f"    ⚠ {labels('allergens')}: {', '.join(line.allergens)}\n", style="bold red")
