"""Tickets as the API shows them: the header with its SLA clocks, and the whole story in detail."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session, col

from hub.service.calendars import Calendars
from hub.service.repeats import RepeatBasis, RepeatRule, TicketFacts, find_repeats
from hub.service.schemas import (
    ChangeOut,
    ClockOut,
    CompensationOut,
    MessageOut,
    RepeatOut,
    SlaEventOut,
    TicketDetailOut,
    TicketOut,
)
from hub.service.sla_clock import ClockStatus, SlaCheck
from hub.service.sla_tracking import clocks, events_of
from hub.service.tables import ServiceCompensation, ServiceTicket, ServiceTicketMessage
from hub.service.ticket_model import CATEGORY_LABELS, Priority, Ticket, TicketCategory, TicketKind

REPEAT_RULES = (
    RepeatRule("same-customer", RepeatBasis.CUSTOMER, times=3, within_days=30),
    RepeatRule("same-issue-at-store", RepeatBasis.STORE_ISSUE, times=3, within_days=7),
    RepeatRule("same-product", RepeatBasis.PRODUCT_ISSUE, times=3, within_days=7),
    RepeatRule("same-rider", RepeatBasis.RIDER_ISSUE, times=3, within_days=7),
)
"""Repeated complaints flagged on a ticket: the same customer 3 times in 30 business days, or the same
category at a store, about a product or with a rider 3 times in 7."""
DEFAULT_ZONE = "Asia/Shanghai"
REPEAT_LOOK_BACK_DAYS = 45
"""Calendar days: covers the longest rule (30 days) with room."""
REPEAT_EVIDENCE_LIMIT = 200
"""The latest tickets read as evidence: a store flooded with complaints shows the latest 200."""


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())


def ticket_out(row: ServiceTicket, result: SlaCheck) -> TicketOut:
    readings = [
        ClockOut(
            target=r.target,
            status=r.status,
            goal_s=_seconds(r.goal),
            elapsed_s=_seconds(r.elapsed),
            remaining_s=_seconds(r.remaining),
            due_at=r.due_at,
        )
        for r in result.readings
    ]
    return TicketOut(
        id=row.id,
        store_id=row.store_id,
        kind=TicketKind(row.kind),
        category=TicketCategory(row.category),
        category_label=CATEGORY_LABELS[TicketCategory(row.category)],
        priority=Priority(row.priority),
        channel=row.channel,
        status=row.status,
        summary=row.summary,
        customer_id=row.customer_id,
        order_id=row.order_id,
        delivery_id=row.delivery_id,
        subscription_id=row.subscription_id,
        product_id=row.product_id,
        rider_id=row.rider_id,
        follow_up_of=row.follow_up_of,
        assignee_id=row.assignee_id,
        escalation_level=row.escalation_level,
        created_at=row.created_at,
        updated_at=row.updated_at,
        clocks=readings,
        breached=any(r.status is ClockStatus.BREACHED for r in result.readings),
    )


def ticket_summary(
    session: Session, row: ServiceTicket, ticket: Ticket, calendars: Calendars, now: datetime
) -> TicketOut:
    return ticket_out(row, clocks(session, row, ticket, calendars, max(now, ticket.created_at)))


def repeats_of(session: Session, row: ServiceTicket) -> list[RepeatOut]:
    """The repeat rules this ticket trips, among the latest tickets of its customer or its store."""
    since = row.created_at - timedelta(days=REPEAT_LOOK_BACK_DAYS)
    same = [col(ServiceTicket.store_id) == row.store_id] if row.store_id else []
    if row.customer_id:
        same.append(col(ServiceTicket.customer_id) == row.customer_id)
    if not same:
        return []
    query = (
        select(ServiceTicket)
        .where(or_(*same), col(ServiceTicket.created_at) >= since, col(ServiceTicket.created_at) <= row.created_at)
        .order_by(col(ServiceTicket.created_at).desc())
        .limit(REPEAT_EVIDENCE_LIMIT)
    )
    history = [_facts(r) for r in session.scalars(query).all()]
    found = find_repeats(_facts(row), history, REPEAT_RULES, DEFAULT_ZONE)
    return [RepeatOut(rule=m.rule, subject=m.subject, count=m.count, evidence=list(m.evidence)) for m in found]


def _facts(row: ServiceTicket) -> TicketFacts:
    return TicketFacts(
        row.id,
        TicketKind(row.kind),
        TicketCategory(row.category),
        row.created_at,
        row.store_id,
        row.customer_id,
        row.product_id,
        row.rider_id,
    )


def ticket_detail(
    session: Session, row: ServiceTicket, ticket: Ticket, calendars: Calendars, now: datetime
) -> TicketDetailOut:
    summary = ticket_summary(session, row, ticket, calendars, now)
    messages = session.scalars(
        select(ServiceTicketMessage)
        .where(col(ServiceTicketMessage.ticket_id) == row.id)
        .order_by(col(ServiceTicketMessage.id))
    ).all()
    grants = session.scalars(
        select(ServiceCompensation)
        .where(col(ServiceCompensation.ticket_id) == row.id)
        .order_by(col(ServiceCompensation.id))
    ).all()
    return TicketDetailOut(
        **summary.model_dump(),
        changes=[
            ChangeOut(
                action=c.action,
                status=c.status,
                actor=f"{c.actor.kind}:{c.actor.id}",
                at=c.at,
                note=c.note,
                assignee_id=c.assignee_id,
            )
            for c in ticket.changes
        ],
        messages=[MessageOut.model_validate(m, from_attributes=True) for m in messages],
        sla_events=[SlaEventOut.model_validate(e, from_attributes=True) for e in events_of(session, row.id)],
        compensations=[CompensationOut.model_validate(g, from_attributes=True) for g in grants],
        repeats=repeats_of(session, row),
        allowed_actions=sorted(ticket.allowed_actions()),
    )
