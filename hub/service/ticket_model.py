"""Service-desk tickets: kinds, categories, links, channels and the status state machine. Pure.

A ticket is a frozen value that carries its whole history: each change names the action, the
status after it, the actor and the time (aware UTC). ``Ticket.apply`` returns the next ticket or
raises ``InvalidTicketTransition`` saying what the action needs. The service layer stores the
header and the changes as rows and rebuilds the value with ``Ticket(...)``; the SLA clock reads the
history (``hub.service.sla_clock``).

    new ──open / respond──► open ◄──wait_on_customer / resume──► waiting_on_customer
    open, waiting_on_customer ──resolve──► resolved ──close──► closed
    resolved ──reopen──► open

A closed ticket is final: a customer who writes again gets a follow-up ticket linked to it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from hub.service.errors import InvalidTicket, InvalidTicketTransition


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    INQUIRY = "inquiry"
    QUALITY = "quality"
    """A food-quality or safety issue: it must be compensated or the compensation declined before resolving."""


class TicketCategory(StrEnum):
    MISSED_DELIVERY = "missed_delivery"
    WRONG_ITEM = "wrong_item"
    COLD_FOOD = "cold_food"
    LATE_DELIVERY = "late_delivery"
    ATTITUDE = "attitude"
    QUALITY = "quality"
    FOREIGN_OBJECT = "foreign_object"
    DAMAGED_PACKAGING = "damaged_packaging"
    BILLING = "billing"
    SUBSCRIPTION = "subscription"
    OTHER = "other"


CATEGORY_LABELS: dict[TicketCategory, str] = {
    TicketCategory.MISSED_DELIVERY: "漏送",
    TicketCategory.WRONG_ITEM: "错送",
    TicketCategory.COLD_FOOD: "冷餐",
    TicketCategory.LATE_DELIVERY: "超时",
    TicketCategory.ATTITUDE: "服务态度",
    TicketCategory.QUALITY: "质量",
    TicketCategory.FOREIGN_OBJECT: "异物",
    TicketCategory.DAMAGED_PACKAGING: "包装破损",
    TicketCategory.BILLING: "扣款/账单",
    TicketCategory.SUBSCRIPTION: "订奶/订阅",
    TicketCategory.OTHER: "其他",
}
"""How staff read a category (Chinese first)."""


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    STAFF = "staff"
    """Entered by staff (a phone call, a customer at the counter)."""
    API = "api"
    """From an integration: a mini program form, a sales platform's complaint webhook."""
    NOTIFICATION_REPLY = "notification_reply"
    """A customer's reply to a notification we sent."""


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketAction(StrEnum):
    CREATE = "create"
    OPEN = "open"
    RESPOND = "respond"
    """A reply to the customer; it opens a new ticket."""
    ASSIGN = "assign"
    WAIT_ON_CUSTOMER = "wait_on_customer"
    RESUME = "resume"
    COMPENSATE = "compensate"
    DECLINE_COMPENSATION = "decline_compensation"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


class ActorKind(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


S, A = TicketStatus, TicketAction
_MOVES: dict[TicketAction, dict[TicketStatus, TicketStatus]] = {
    A.OPEN: {S.NEW: S.OPEN},
    A.RESPOND: {S.NEW: S.OPEN, S.OPEN: S.OPEN, S.WAITING_ON_CUSTOMER: S.WAITING_ON_CUSTOMER},
    A.ASSIGN: {s: s for s in (S.NEW, S.OPEN, S.WAITING_ON_CUSTOMER, S.RESOLVED)},
    A.WAIT_ON_CUSTOMER: {S.OPEN: S.WAITING_ON_CUSTOMER},
    A.RESUME: {S.WAITING_ON_CUSTOMER: S.OPEN},
    A.COMPENSATE: {s: s for s in (S.OPEN, S.WAITING_ON_CUSTOMER, S.RESOLVED)},
    A.DECLINE_COMPENSATION: {S.OPEN: S.OPEN, S.WAITING_ON_CUSTOMER: S.WAITING_ON_CUSTOMER},
    A.RESOLVE: {S.OPEN: S.RESOLVED, S.WAITING_ON_CUSTOMER: S.RESOLVED},
    A.REOPEN: {S.RESOLVED: S.OPEN},
    A.CLOSE: {S.RESOLVED: S.CLOSED},
}
_ACTORS: dict[ActorKind, frozenset[TicketAction]] = {
    ActorKind.STAFF: frozenset(_MOVES),
    ActorKind.CUSTOMER: frozenset({A.RESUME, A.REOPEN}),
    ActorKind.SYSTEM: frozenset({A.ASSIGN, A.RESUME, A.RESOLVE, A.CLOSE}),
}
_NEEDS_NOTE: dict[TicketAction, str] = {
    A.WAIT_ON_CUSTOMER: "a note saying what the customer was asked",
    A.RESOLVE: "a note summarising the resolution",
    A.DECLINE_COMPENSATION: "a note saying why no compensation is given",
    A.COMPENSATE: "a note naming what was granted (the compensation's key)",
}
RESPONDING_ACTIONS = frozenset({A.RESPOND, A.WAIT_ON_CUSTOMER, A.RESOLVE})
"""Actions that answer the customer: the first of them is the ticket's first response."""
COMPENSATION_DECISIONS = frozenset({A.COMPENSATE, A.DECLINE_COMPENSATION})
COMPENSATION_KINDS = frozenset({TicketKind.QUALITY})
"""Kinds that need a compensation decision before they can be resolved."""


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str

    @classmethod
    def staff(cls, user_id: str) -> Actor:
        return cls(ActorKind.STAFF, user_id)

    @classmethod
    def customer(cls, customer_id: str) -> Actor:
        return cls(ActorKind.CUSTOMER, customer_id)


SYSTEM = Actor(ActorKind.SYSTEM, "system")


@dataclass(frozen=True)
class TicketLinks:
    """What the ticket is about; any may be unknown. Product and rider feed repeat detection."""

    customer_id: str | None = None
    order_id: str | None = None
    delivery_id: str | None = None
    subscription_id: str | None = None
    product_id: str | None = None
    rider_id: str | None = None


@dataclass(frozen=True)
class TicketChange:
    action: TicketAction
    status: TicketStatus
    """The status after the change."""
    actor: Actor
    at: datetime
    note: str = ""
    assignee_id: str | None = None
    """Set by ``assign`` only."""


@dataclass(frozen=True)
class Ticket:
    id: str
    kind: TicketKind
    category: TicketCategory
    priority: Priority
    channel: Channel
    store_id: str | None
    links: TicketLinks
    summary: str
    changes: tuple[TicketChange, ...]
    """Oldest first; the first is ``create`` (status new)."""

    def __post_init__(self) -> None:
        if not self.changes or self.changes[0].action is not A.CREATE:
            raise InvalidTicket(f"ticket {self.id}: its history must start with its creation")
        for before, after in itertools.pairwise(self.changes):
            if after.at < before.at:
                raise InvalidTicket(f"ticket {self.id}: its changes are out of time order")

    @property
    def status(self) -> TicketStatus:
        return self.changes[-1].status

    @property
    def created_at(self) -> datetime:
        return self.changes[0].at

    @property
    def created_by(self) -> Actor:
        return self.changes[0].actor

    @property
    def assignee_id(self) -> str | None:
        return next((c.assignee_id for c in reversed(self.changes) if c.action is A.ASSIGN), None)

    @property
    def first_response_at(self) -> datetime | None:
        return next((c.at for c in self.changes if c.action in RESPONDING_ACTIONS), None)

    @property
    def compensation_decided(self) -> bool:
        return any(c.action in COMPENSATION_DECISIONS for c in self.changes)

    def allowed_actions(self, actor: ActorKind = ActorKind.STAFF) -> frozenset[TicketAction]:
        return frozenset(a for a in _ACTORS[actor] if self.status in _MOVES[a])

    def action_on_customer_reply(self) -> TicketAction | None:
        """What a customer's reply does: resume a waiting ticket, reopen a resolved one, else nothing.

        A reply to a closed ticket does nothing here: the service opens a follow-up ticket.
        """
        return {S.WAITING_ON_CUSTOMER: A.RESUME, S.RESOLVED: A.REOPEN}.get(self.status)

    def apply(
        self, action: TicketAction, *, actor: Actor, at: datetime, note: str = "", assignee_id: str | None = None
    ) -> Ticket:
        """The ticket after ``action``; raises ``InvalidTicketTransition`` saying what is missing."""
        at = _utc(at)
        if action is A.CREATE:
            raise InvalidTicketTransition("a ticket is created once, with open_ticket")
        if at < self.changes[-1].at:
            raise InvalidTicketTransition(
                f"a change to ticket {self.id} cannot be dated {at.isoformat()}, before its last change at "
                f"{self.changes[-1].at.isoformat()}"
            )
        if action not in _ACTORS[actor.kind]:
            allowed = ", ".join(sorted(_ACTORS[actor.kind]))
            raise InvalidTicketTransition(f"{actor.kind} cannot {action} a ticket (a {actor.kind} may: {allowed})")
        moves = _MOVES[action]
        if self.status not in moves:
            raise InvalidTicketTransition(_wrong_status(action, self.status, moves))
        if action in _NEEDS_NOTE and not note.strip():
            raise InvalidTicketTransition(f"{action} needs {_NEEDS_NOTE[action]}")
        if (action is A.ASSIGN) != (assignee_id is not None) or (assignee_id is not None and not assignee_id.strip()):
            raise InvalidTicketTransition("assign needs the assignee's id (and only assign takes one)")
        if action is A.RESOLVE and self.kind in COMPENSATION_KINDS and not self.compensation_decided:
            raise InvalidTicketTransition(
                f"resolving a {self.kind} ticket needs a compensation decision first: compensate or "
                "decline_compensation with a reason"
            )
        change = TicketChange(action, moves[self.status], actor, at, note.strip(), assignee_id)
        return replace(self, changes=(*self.changes, change))


def open_ticket(
    ticket_id: str,
    *,
    kind: TicketKind,
    category: TicketCategory,
    channel: Channel,
    actor: Actor,
    at: datetime,
    summary: str,
    store_id: str | None = None,
    links: TicketLinks | None = None,
    priority: Priority = Priority.NORMAL,
) -> Ticket:
    """A new ticket (status new), or ``InvalidTicket`` saying what it lacks."""
    links = links or TicketLinks()
    if not ticket_id.strip():
        raise InvalidTicket("a ticket needs an id")
    if not summary.strip():
        raise InvalidTicket("a ticket needs a summary of what happened")
    if channel is Channel.STAFF and actor.kind is not ActorKind.STAFF:
        raise InvalidTicket("a ticket entered by staff needs the staff member who entered it")
    if channel is Channel.NOTIFICATION_REPLY and (actor.kind is not ActorKind.CUSTOMER or links.customer_id is None):
        raise InvalidTicket("a ticket from a reply to a notification needs the customer who replied, as actor and link")
    if kind is TicketKind.QUALITY and not (
        links.order_id or links.delivery_id or links.subscription_id or links.product_id
    ):
        raise InvalidTicket("a quality ticket needs the order, delivery, subscription or product it is about")
    created = TicketChange(A.CREATE, S.NEW, actor, _utc(at))
    return Ticket(ticket_id, kind, category, priority, channel, store_id, links, summary.strip(), (created,))


def _wrong_status(action: TicketAction, status: TicketStatus, moves: dict[TicketStatus, TicketStatus]) -> str:
    allowed = " or ".join(sorted(moves))
    text = f"{action} needs a ticket that is {allowed}; this one is {status}"
    if status is S.CLOSED:
        return f"{text}: a closed ticket is final, open a follow-up ticket linked to it"
    if status is S.NEW:
        return f"{text}: open it (or respond) first"
    if status is S.RESOLVED:
        return f"{text}: reopen it first"
    return text


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidTicket("ticket times must be timezone-aware")
    return at.astimezone(UTC)
