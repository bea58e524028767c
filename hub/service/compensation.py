"""Compensation decisions: a coupon, a balance credit or a refund for a ticket, granted once. Pure.

``decide_compensation`` checks the request against the ticket and the limits and returns a
``CompensationDecision``: a plain value the service layer hands to the domain that grants it
(marketing issues the coupon, billing credits the balance, orders refunds), always with
``decision.key`` as that domain's idempotency key (``grant_key`` / refund ``key``). The key is one
per ticket and kind, so a retry, a double click or a second agent never grants twice: with the
keys already granted (or the ticket's own ``compensate`` changes) a repeat is refused with ``AlreadyCompensated``,
and a repeat that slips past (two requests at once) meets the granting domain's unique key.
``record_on_ticket`` then adds the ``compensate`` change, which stops the compensation clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from hub.service.errors import AlreadyCompensated, CompensationRefused
from hub.service.ticket_model import Actor, Ticket, TicketAction


class CompensationKind(StrEnum):
    COUPON = "coupon"
    BALANCE_CREDIT = "balance_credit"
    REFUND = "refund"


DEFAULT_LIMITS_FEN: Mapping[CompensationKind, int] = MappingProxyType(
    {CompensationKind.COUPON: 5_000, CompensationKind.BALANCE_CREDIT: 10_000, CompensationKind.REFUND: 50_000}
)
"""Most an agent may grant per ticket and kind (fen); a refund is also capped by what is left to refund."""


@dataclass(frozen=True)
class CompensationLimits:
    max_fen: Mapping[CompensationKind, int] = field(default_factory=lambda: DEFAULT_LIMITS_FEN)


@dataclass(frozen=True)
class CompensationDecision:
    key: str
    """``service-compensation:<ticket>:<kind>``: the granting domain's idempotency key."""
    ticket_id: str
    kind: CompensationKind
    amount_fen: int
    currency: str
    customer_id: str
    order_id: str | None
    coupon_template_id: str | None
    """For a coupon: the template marketing issues it from (its face value is ``amount_fen``)."""
    reason: str
    decided_by: str
    decided_at: datetime


def compensation_key(ticket_id: str, kind: CompensationKind) -> str:
    return f"service-compensation:{ticket_id}:{kind}"


def decide_compensation(
    ticket: Ticket,
    kind: CompensationKind,
    *,
    amount_fen: int,
    reason: str,
    decided_by: str,
    at: datetime,
    granted_keys: Collection[str] = (),
    limits: CompensationLimits | None = None,
    refundable_fen: int | None = None,
    coupon_template_id: str | None = None,
    currency: str = "CNY",
) -> CompensationDecision:
    """The grant to hand to the granting domain, or a refusal saying what is missing."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise CompensationRefused("compensation times must be timezone-aware")
    key = compensation_key(ticket.id, kind)
    if key in granted_keys or any(c.action is TicketAction.COMPENSATE and c.note == key for c in ticket.changes):
        raise AlreadyCompensated(f"ticket {ticket.id} was already compensated with a {kind} (key {key})")
    if TicketAction.COMPENSATE not in ticket.allowed_actions():
        raise CompensationRefused(f"a ticket that is {ticket.status} cannot be compensated")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise CompensationRefused("a compensation is a whole, positive number of fen")
    ceiling = (limits or CompensationLimits()).max_fen.get(kind)
    if ceiling is not None and amount_fen > ceiling:
        raise CompensationRefused(f"a {kind} is at most {ceiling} fen per ticket (asked: {amount_fen})")
    if not reason.strip():
        raise CompensationRefused("a compensation needs a reason the customer and finance can read")
    customer_id = ticket.links.customer_id
    if customer_id is None:
        raise CompensationRefused("compensating needs the ticket's customer: link the ticket to a customer first")
    order_id = ticket.links.order_id
    if kind is CompensationKind.REFUND:
        if order_id is None:
            raise CompensationRefused("a refund needs the ticket's order: link the ticket to an order first")
        if refundable_fen is None or amount_fen > refundable_fen:
            raise CompensationRefused(f"only {refundable_fen or 0} fen is left to refund on order {order_id}")
    if kind is CompensationKind.COUPON and not (coupon_template_id or "").strip():
        raise CompensationRefused("a coupon needs the template it is issued from")
    return CompensationDecision(
        key,
        ticket.id,
        kind,
        amount_fen,
        currency,
        customer_id,
        order_id,
        coupon_template_id if kind is CompensationKind.COUPON else None,
        reason.strip(),
        decided_by,
        at.astimezone(UTC),
    )


def record_on_ticket(ticket: Ticket, decision: CompensationDecision) -> Ticket:
    """The ticket with its ``compensate`` change (note: the decision's key), once the grant went through."""
    if decision.ticket_id != ticket.id:
        raise CompensationRefused(f"decision {decision.key} belongs to ticket {decision.ticket_id}, not {ticket.id}")
    if any(c.action is TicketAction.COMPENSATE and c.note == decision.key for c in ticket.changes):
        return ticket
    return ticket.apply(
        TicketAction.COMPENSATE, actor=Actor.staff(decision.decided_by), at=decision.decided_at, note=decision.key
    )
