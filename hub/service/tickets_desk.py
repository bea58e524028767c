"""Ticket commands: open a ticket (staff or API), change its status, assign, escalate by hand.

Each command loads the ticket, asks the pure core for the next value, stores the new changes,
reschedules the SLA job's look at it and leaves the commit to the entry point.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from hub.crm.api import visible_customer
from hub.db_types import new_id
from hub.errors import InvalidInput, NotFound
from hub.kernel.messaging import Messaging
from hub.kernel.principal import Principal
from hub.orders.api import visible_order
from hub.service import assigning, ticket_store
from hub.service.calendars import Calendars
from hub.service.errors import AlreadyEscalated, InvalidTicketTransition
from hub.service.schemas import AssignIn, EscalateIn, StaffAction, TicketActionIn, TicketIn
from hub.service.sla_clock import SlaEvent, SlaEventKind
from hub.service.sla_tracking import clocks, record_events, schedule
from hub.service.survey_desk import plan_after_close
from hub.service.tables import ServiceAgent, ServiceTicket, ServiceTicketMessage
from hub.service.ticket_model import (
    Actor,
    ActorKind,
    Channel,
    Ticket,
    TicketAction,
    TicketLinks,
    open_ticket,
)
from hub.stores.api import visible_store


def actor_of(principal: Principal) -> Actor:
    if principal.kind == "user":
        return Actor.staff(principal.id)
    return Actor(ActorKind.SYSTEM, principal.label)


def after_change(
    session: Session, row: ServiceTicket, before: int, ticket: Ticket, calendars: Calendars, now: datetime
) -> None:
    ticket_store.append(session, row, before=before, ticket=ticket)
    schedule(row, clocks(session, row, ticket, calendars, now), now)
    session.add(row)


def create(
    session: Session, principal: Principal, body: TicketIn, calendars: Calendars, now: datetime
) -> ServiceTicket:
    store_id, customer_id = body.store_id, body.customer_id
    if body.order_id is not None:
        try:
            order = visible_order(session, principal, body.order_id)
        except NotFound as exc:
            raise InvalidInput("no order with this id") from exc
        if store_id is not None and store_id != order.store_id:
            raise InvalidInput("the order belongs to another store than the ticket's")
        store_id, customer_id = order.store_id, customer_id or order.customer_id
    if store_id is None and principal.store_ids:
        store_id = min(principal.store_ids)
    if store_id is not None:
        try:
            visible_store(session, principal, store_id)
        except NotFound as exc:
            raise InvalidInput(f"unknown store {store_id!r}") from exc
    if customer_id is not None:
        try:
            visible_customer(session, principal, customer_id)
        except NotFound as exc:
            raise InvalidInput("no customer with this id") from exc
    channel = Channel.STAFF if principal.kind == "user" else Channel.API
    links = TicketLinks(
        customer_id=customer_id,
        order_id=body.order_id,
        delivery_id=body.delivery_id,
        subscription_id=body.subscription_id,
        product_id=body.product_id,
        rider_id=body.rider_id,
    )
    ticket = open_ticket(
        new_id(),
        kind=body.kind,
        category=body.category,
        channel=channel,
        actor=actor_of(principal),
        at=now,
        summary=body.summary,
        store_id=store_id,
        links=links,
        priority=body.priority,
    )
    row = ticket_store.insert(session, ticket, created_by=principal.label)
    auto_assign(session, row, ticket, calendars, now)
    return row


def auto_assign(session: Session, row: ServiceTicket, ticket: Ticket, calendars: Calendars, now: datetime) -> None:
    decision = assigning.decide(session, ticket, now)
    if decision is not None and decision.agent_id is not None:
        note = f"rule {decision.rule}: {decision.reason}"
        assigned = ticket.apply(
            TicketAction.ASSIGN,
            actor=Actor(ActorKind.SYSTEM, "system"),
            at=now,
            note=note,
            assignee_id=decision.agent_id,
        )
        after_change(session, row, len(ticket.changes), assigned, calendars, now)
    else:
        after_change(session, row, len(ticket.changes), ticket, calendars, now)


def act(
    session: Session,
    principal: Principal,
    ticket_id: str,
    body: TicketActionIn,
    calendars: Calendars,
    messaging: Messaging,
    now: datetime,
) -> ServiceTicket:
    row, ticket = ticket_store.visible(session, principal, ticket_id, lock=True)
    changed = ticket.apply(TicketAction(body.action.value), actor=actor_of(principal), at=now, note=body.note)
    if body.action is StaffAction.RESPOND and body.note.strip():
        session.add(
            ServiceTicketMessage(
                ticket_id=row.id, author_kind="staff", author_id=principal.label[:120], text=body.note.strip(), at=now
            )
        )
    after_change(session, row, len(ticket.changes), changed, calendars, now)
    if body.action is StaffAction.CLOSE:
        plan_after_close(session, row, now)
    return row


def assign(
    session: Session, principal: Principal, ticket_id: str, body: AssignIn, calendars: Calendars, now: datetime
) -> ServiceTicket:
    row, ticket = ticket_store.visible(session, principal, ticket_id, lock=True)
    agent_id, note = body.agent_id, f"by {principal.label}"
    if agent_id is None:
        decision = assigning.decide(session, ticket, now)
        if decision is None:
            raise InvalidTicketTransition("no assignment rules are configured: name the agent")
        if decision.agent_id is None:
            raise InvalidTicketTransition(decision.reason)
        agent_id, note = decision.agent_id, f"rule {decision.rule}: {decision.reason}"
    else:
        agent = session.get(ServiceAgent, agent_id)
        if agent is not None and not agent.active:
            raise InvalidTicketTransition(f"agent {agent_id} is not active")
    changed = ticket.apply(TicketAction.ASSIGN, actor=actor_of(principal), at=now, note=note, assignee_id=agent_id)
    after_change(session, row, len(ticket.changes), changed, calendars, now)
    return row


def escalate(
    session: Session, principal: Principal, ticket_id: str, body: EscalateIn, messaging: Messaging, now: datetime
) -> ServiceTicket:
    """A manual escalation to a level, once per ticket and level; a notice goes on the outbox."""
    row, ticket = ticket_store.visible(session, principal, ticket_id, lock=True)
    if ticket.status.value == "closed":
        raise InvalidTicketTransition("a closed ticket is final: open a follow-up ticket linked to it")
    event = SlaEvent(row.id, "manual", SlaEventKind.ESCALATED, now, body.level)  # type: ignore[arg-type]
    if not record_events(session, row, [event], messaging, now, actor=f"{principal.label}: {body.note}"):
        raise AlreadyEscalated(f"ticket {row.id} was escalated to {body.level} by hand already")
    session.add(row)
    return row
