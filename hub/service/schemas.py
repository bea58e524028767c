"""The service desk's tickets, SLA calendars, escalations and compensations on the wire."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictBool, StrictInt
from hub.service.compensation import CompensationKind
from hub.service.sla_clock import ClockStatus
from hub.service.sla_policy import CalendarKind, EscalationLevel, SlaTarget
from hub.service.ticket_model import Priority, TicketCategory, TicketKind

Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
"""An id: no spaces, slashes or control characters."""
Note = Annotated[str, Field(default="", max_length=2000)]
HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]
Span = Annotated[list[HourMinute], Field(min_length=2, max_length=2)]


class StaffAction(StrEnum):
    """What staff may do to a ticket's status (assign, escalate and compensate have their own calls)."""

    OPEN = "open"
    RESPOND = "respond"
    WAIT_ON_CUSTOMER = "wait_on_customer"
    RESUME = "resume"
    DECLINE_COMPENSATION = "decline_compensation"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


class TicketIn(RequestModel):
    line_break_fields = frozenset({"summary"})

    kind: TicketKind
    category: TicketCategory
    summary: str = Field(min_length=1, max_length=2000)
    priority: Priority = Priority.NORMAL
    store_id: Ref | None = None
    """Defaults to the linked order's store, or a store manager's store."""
    customer_id: Ref | None = None
    """Defaults to the linked order's customer."""
    order_id: Ref | None = None
    delivery_id: Ref | None = None
    subscription_id: Ref | None = None
    product_id: Ref | None = None
    rider_id: Ref | None = None


class TicketActionIn(RequestModel):
    line_break_fields = frozenset({"note"})

    action: StaffAction
    note: Note
    """Respond: the answer sent to the customer; wait_on_customer: what they were asked; resolve: the outcome."""


class AssignIn(RequestModel):
    agent_id: Ref | None = None
    """None: by the assignment rules."""


class EscalateIn(RequestModel):
    line_break_fields = frozenset({"note"})

    level: EscalationLevel
    note: str = Field(min_length=1, max_length=2000)


class CompensateIn(RequestModel):
    kind: CompensationKind
    amount_fen: StrictInt = Field(gt=0, le=10_000_000)
    reason: str = Field(min_length=1, max_length=500)
    coupon_template_id: Ref | None = None
    """For a coupon: the template it is issued from."""


class ReplyIn(RequestModel):
    """A customer's reply to a notification, as the messaging gateway received it."""

    line_break_fields = frozenset({"text"})

    notification_id: StrictInt = Field(ge=1, le=2**31 - 1)
    text: str = Field(min_length=1, max_length=2000)


class SlaCalendarIn(RequestModel):
    calendar: CalendarKind = CalendarKind.STORE_HOURS
    weekly: dict[Annotated[str, Field(pattern=r"^[0-6]$")], Annotated[list[Span], Field(max_length=6)]] = Field(
        default_factory=dict
    )
    """Weekday (0 Monday .. 6 Sunday) -> shifts, e.g. {"0": [["10:00", "14:00"], ["17:00", "21:00"]]}."""
    public_holidays: StrictBool = True
    """Closed on Chinese public holidays; open on make-up working days (调休) with Monday's hours."""
    holiday_shifts: list[Span] = Field(default_factory=list, max_length=6)
    closed_dates: list[date] = Field(default_factory=list, max_length=366)


class SlaCalendarOut(BaseModel):
    store_id: str
    calendar: CalendarKind
    zone: str
    weekly: dict[str, list[list[str]]]
    public_holidays: bool
    holiday_shifts: list[list[str]]
    closed_dates: list[date]


class ClockOut(BaseModel):
    target: SlaTarget
    status: ClockStatus
    goal_s: int
    elapsed_s: int
    """Business seconds the clock ran."""
    remaining_s: int
    """Negative when overdue."""
    due_at: datetime | None
    """When running or breached: the breach instant; None while paused or once met."""


class TicketOut(BaseModel):
    id: str
    store_id: str | None
    kind: TicketKind
    category: TicketCategory
    category_label: str
    priority: Priority
    channel: str
    status: str
    summary: str
    customer_id: str | None
    order_id: str | None
    delivery_id: str | None
    subscription_id: str | None
    product_id: str | None
    rider_id: str | None
    follow_up_of: str | None
    assignee_id: str | None
    escalation_level: str | None
    created_at: datetime
    updated_at: datetime
    clocks: list[ClockOut]
    breached: bool


class ChangeOut(BaseModel):
    action: str
    status: str
    actor: str
    at: datetime
    note: str
    assignee_id: str | None


class MessageOut(BaseModel):
    author_kind: str
    author_id: str
    text: str
    at: datetime
    notification_id: int | None


class SlaEventOut(BaseModel):
    key: str
    target: str
    kind: str
    level: str | None
    at: datetime
    actor: str


class CompensationOut(BaseModel):
    ticket_id: str
    key: str
    kind: CompensationKind
    amount_fen: int
    currency: str
    reference: str
    reason: str
    decided_by: str
    decided_at: datetime


class RepeatOut(BaseModel):
    rule: str
    subject: str
    count: int
    evidence: list[str]


class TicketDetailOut(TicketOut):
    changes: list[ChangeOut]
    messages: list[MessageOut]
    sla_events: list[SlaEventOut]
    compensations: list[CompensationOut]
    repeats: list[RepeatOut]
    allowed_actions: list[str]


class ReplyOut(BaseModel):
    ticket: TicketDetailOut
    created: bool
    """True when the reply opened a new ticket (or a follow-up of a closed one)."""
