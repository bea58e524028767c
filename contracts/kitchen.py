"""Kitchen payloads: tickets to stations, their status from the KDS, print results from the edge."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts.base import Body, Identifier, LongText, ShortReport, ShortText


class TicketLine(Body):
    line_id: Identifier
    name: ShortText
    quantity: int = Field(ge=1, le=999)
    modifiers: tuple[ShortText, ...] = ()
    allergens: tuple[ShortText, ...] = ()
    note: LongText | None = None


class KitchenTicket(Body):
    """Everything one station must cook for one order, at one revision.

    Each revision carries the full set of lines; the receiver works out what changed.
    """

    message_type: ClassVar[str] = "kitchen.ticket"

    ticket_id: Identifier
    order_id: Identifier
    order_number: ShortText
    revision: int = Field(ge=1)
    store_id: Identifier
    store_name: ShortText = ""
    station_id: Identifier
    station_name: ShortText = ""
    channel: ShortText
    placed_at: AwareDatetime
    due_at: AwareDatetime | None = None
    lines: tuple[TicketLine, ...] = ()
    notes: LongText | None = None
    customer_display: ShortText | None = None
    cancelled: bool = False
    reprint: bool = False
    """A manual reprint requested by staff: prints with REPRINT on top."""


class TicketState(StrEnum):
    SHOWN = "shown"
    ACCEPTED = "accepted"
    COOKING = "cooking"
    READY = "ready"
    RECALLED = "recalled"


class TicketStatus(Body):
    """A station's progress on a ticket, from a KDS (bump = ready, recall = recalled)."""

    message_type: ClassVar[str] = "kitchen.ticket_status"

    ticket_id: Identifier
    order_id: Identifier
    store_id: Identifier
    station_id: Identifier
    state: TicketState
    line_ids: tuple[Identifier, ...] = ()
    """Empty: the whole ticket. Otherwise the lines bumped or recalled."""
    device_id: Identifier
    at: AwareDatetime


class TicketReceived(Body):
    """The edge agent journaled a ticket revision in its spool (delivered to the store)."""

    message_type: ClassVar[str] = "kitchen.ticket_received"

    ticket_id: Identifier
    order_id: Identifier
    revision: int = Field(ge=1)
    store_id: Identifier
    station_id: Identifier
    at: AwareDatetime


class PrintOutcome(StrEnum):
    PRINTED = "printed"
    FAILED = "failed"


class PrintResult(Body):
    """The outcome of one print job, confirmed by the printer's own status after the job."""

    message_type: ClassVar[str] = "kitchen.print_result"

    job_id: Identifier
    ticket_id: Identifier
    order_id: Identifier
    revision: int = Field(ge=1)
    store_id: Identifier
    station_id: Identifier
    printer_id: Identifier
    outcome: PrintOutcome
    kind: Literal["ticket", "change", "cancel", "reprint"] = "ticket"
    backup_from: Identifier | None = None
    """Set when a fallback printer printed another station's ticket."""
    attempts: int = Field(default=1, ge=1)
    error: ShortReport | None = None
    at: AwareDatetime


class OpenTicket(Body):
    """One open ticket of a station, at its latest revision, as the store holds it."""

    ticket: KitchenTicket
    received_at: AwareDatetime
    """When the store first received this ticket: a display that loads it times it from here."""


class ClosedTicket(Body):
    """A ticket that left the station's open list: bumped (``ready``) or cancelled."""

    ticket_id: Identifier
    revision: int = Field(ge=1)
    reason: Literal["ready", "cancelled"]
    device_id: Identifier | None = None
    """The display that bumped it; None for a cancel."""
    at: AwareDatetime


class StationTickets(Body):
    """A station's open tickets, published retained by the store's edge agent as tickets arrive and
    are bumped, so a display that starts or reconnects mid-shift loads them (the hub not needed).

    ``closed`` lists what left the list lately, so a display that missed a bump or a cancel takes
    the card off. Both lists are bounded; the newest are kept.
    """

    message_type: ClassVar[str] = "kitchen.station_tickets"

    store_id: Identifier
    station_id: Identifier
    tickets: tuple[OpenTicket, ...] = Field(default=(), max_length=500)
    """Oldest first."""
    closed: tuple[ClosedTicket, ...] = Field(default=(), max_length=500)
    at: AwareDatetime
