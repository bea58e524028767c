"""What a new revision of a ticket means for the kitchen. Pure.

Each revision carries the station's full set of lines; the kitchen needs only the difference:
lines that are NEW and lines that are CANCELLED (a changed line is both: old cancelled, new added).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.kitchen import KitchenTicket, TicketLine


class JobKind(StrEnum):
    """What is printed for a ticket revision (the values of ``PrintResult.kind``)."""

    TICKET = "ticket"
    CHANGE = "change"
    CANCEL = "cancel"
    REPRINT = "reprint"


@dataclass(frozen=True)
class TicketChanges:
    added: tuple[TicketLine, ...] = ()
    removed: tuple[TicketLine, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def _same(a: TicketLine, b: TicketLine) -> bool:
    return (a.name, a.quantity, a.modifiers, a.allergens, a.note) == (
        b.name,
        b.quantity,
        b.modifiers,
        b.allergens,
        b.note,
    )


def diff(previous: KitchenTicket, current: KitchenTicket) -> TicketChanges:
    before = {line.line_id: line for line in previous.lines}
    after = {line.line_id: line for line in current.lines}
    removed = [line for lid, line in before.items() if lid not in after or not _same(line, after[lid])]
    added = [line for lid, line in after.items() if lid not in before or not _same(before[lid], line)]
    return TicketChanges(added=tuple(added), removed=tuple(removed))


def job_kind(ticket: KitchenTicket, previous: KitchenTicket | None) -> JobKind:
    """Reprint and cancel say so themselves; a later revision of a known ticket is a change."""
    if ticket.cancelled:
        return JobKind.CANCEL
    if ticket.reprint:
        return JobKind.REPRINT
    if previous is not None and ticket.revision > previous.revision:
        return JobKind.CHANGE
    return JobKind.TICKET
