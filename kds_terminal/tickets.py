"""What a kitchen display shows: tickets, lines, their age. Pure Python; no UI, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from contracts.kitchen import TicketLine, TicketState


class BoardError(Exception):
    """A command the board cannot carry out; shown to the cook, never a crash."""

    code: ClassVar[str] = "kds.board_error"


class UnknownTicket(BoardError):
    code = "kds.unknown_ticket"


class NotForThisDisplay(BoardError):
    """A ticket for another store or a station this display does not serve."""

    code = "kds.not_for_this_display"


class NothingToRecall(BoardError):
    code = "kds.nothing_to_recall"


class AgeLevel(StrEnum):
    FRESH = "fresh"
    WARN = "warn"
    LATE = "late"


@dataclass(frozen=True)
class Thresholds:
    """When a ticket turns yellow (``warn_after_s``) and red (``late_after_s``)."""

    warn_after_s: float = 5 * 60
    late_after_s: float = 8 * 60

    def level(self, age_s: float) -> AgeLevel:
        if age_s >= self.late_after_s:
            return AgeLevel.LATE
        if age_s >= self.warn_after_s:
            return AgeLevel.WARN
        return AgeLevel.FRESH


class Phase(StrEnum):
    ACTIVE = "active"
    BUMPED = "bumped"
    CANCELLED = "cancelled"


class LineChange(StrEnum):
    """How a line differs from what the station saw before (kept until the ticket is bumped)."""

    NONE = "none"
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclass
class BoardLine:
    line_id: str
    name: str
    quantity: int
    modifiers: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()
    note: str | None = None
    bumped: bool = False
    change: LineChange = LineChange.NONE
    previous_quantity: int | None = None

    @classmethod
    def from_contract(cls, line: TicketLine) -> BoardLine:
        return cls(
            line_id=line.line_id,
            name=line.name,
            quantity=line.quantity,
            modifiers=tuple(line.modifiers),
            allergens=tuple(line.allergens),
            note=line.note,
        )

    def same_dish(self, other: BoardLine) -> bool:
        """The cook would make exactly the same thing."""
        return (self.name, self.quantity, self.modifiers, self.note) == (
            other.name,
            other.quantity,
            other.modifiers,
            other.note,
        )

    @property
    def removed(self) -> bool:
        return self.change is LineChange.REMOVED

    @property
    def open(self) -> bool:
        """Still to cook: neither bumped nor removed from the order."""
        return not self.bumped and not self.removed


@dataclass
class BoardTicket:
    ticket_id: str
    order_id: str
    order_number: str
    store_id: str
    station_id: str
    station_name: str
    channel: str
    placed_at: datetime
    revision: int
    arrived_at: datetime
    """First seen at this display: the timer and the oldest-first order count from here."""
    lines: list[BoardLine] = field(default_factory=list)
    due_at: datetime | None = None
    notes: str | None = None
    customer_display: str | None = None
    phase: Phase = Phase.ACTIVE
    changed: bool = False
    """A later revision changed what to cook (shown until the ticket is bumped)."""
    recalled: bool = False
    bumped_at: datetime | None = None
    cancelled_at: datetime | None = None
    alert_at: datetime | None = None
    """When the cooks were last alerted about this ticket (arrival or change)."""

    def age_s(self, now: datetime) -> float:
        return max(0.0, (now - self.arrived_at).total_seconds())

    @property
    def bumpable_lines(self) -> list[BoardLine]:
        return [line for line in self.lines if not line.removed]

    @property
    def open_lines(self) -> list[BoardLine]:
        return [line for line in self.lines if line.open]

    def line(self, line_id: str) -> BoardLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise UnknownTicket(f"ticket {self.ticket_id} has no line {line_id}")

    def is_new(self, now: datetime, highlight_s: float) -> bool:
        return self.alert_at is not None and (now - self.alert_at).total_seconds() < highlight_s


@dataclass(frozen=True)
class StatusIntent:
    """A TicketStatus the display owes the hub (sent durably by the outbox, never by the UI)."""

    ticket_id: str
    order_id: str
    store_id: str
    station_id: str
    state: TicketState
    at: datetime
    line_ids: tuple[str, ...] = ()


class OutcomeKind(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UPDATED = "updated"
    """A revision that changed nothing the cook does (a reprint, a note elsewhere)."""
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    BUMPED = "bumped"
    LINE_BUMPED = "line_bumped"
    LINE_REOPENED = "line_reopened"
    RECALLED = "recalled"
    DISMISSED = "dismissed"
    CLOSED = "closed"
    """Bumped at another display of the station, as the store's open-ticket list says."""
    CAUGHT_UP = "caught_up"
    """A station's open-ticket list was loaded; ``count`` tickets came on screen or changed."""


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    ticket_id: str
    statuses: tuple[StatusIntent, ...] = ()
    alert: bool = False
    """Cooks should notice: a new ticket, a changed one, a cancelled one."""
    count: int = 1

    @property
    def changed_board(self) -> bool:
        return self.kind not in (OutcomeKind.DUPLICATE, OutcomeKind.IGNORED)
