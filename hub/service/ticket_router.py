"""Tickets over REST: open, the queue with SLA timers, status changes, assign, escalate, compensate,
and customers' replies to notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy import select
from sqlmodel import col

from hub.deps import ContextDep, SessionDep
from hub.problems import problem_responses
from hub.service import compensating, replies, ticket_store, tickets_desk
from hub.service.calendars import Calendars
from hub.service.roles import DeskDep, IntakeDep
from hub.service.schemas import (
    AssignIn,
    CompensateIn,
    CompensationOut,
    EscalateIn,
    ReplyIn,
    ReplyOut,
    TicketActionIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
)
from hub.service.sla_clock import check
from hub.service.tables import ServiceTicket
from hub.service.ticket_model import TicketStatus
from hub.service.views import ticket_detail, ticket_out

router = APIRouter(tags=["service desk"], responses=problem_responses(401, 403, 404, 422))
TicketId = Annotated[str, Path(max_length=36)]
QUEUE_LIMIT = 2000
"""The oldest this many tickets matching the filters are read, then sorted by deadline."""


def _detail(session: SessionDep, row: ServiceTicket, calendars: Calendars, ctx: ContextDep) -> TicketDetailOut:
    row, ticket = ticket_store.load(session, row.id)
    return ticket_detail(session, row, ticket, calendars, ctx.clock())


@router.post("/tickets", response_model=TicketDetailOut, status_code=status.HTTP_201_CREATED)
def create_ticket(ctx: ContextDep, session: SessionDep, principal: IntakeDep, body: TicketIn) -> TicketDetailOut:
    """Staff enter a ticket (channel staff); a sales channel's API key files one (channel api)."""
    calendars = Calendars(session)
    row = tickets_desk.create(session, principal, body, calendars, ctx.clock())
    session.commit()
    return _detail(session, row, calendars, ctx)


@router.get("/tickets", response_model=list[TicketOut])
def ticket_queue(
    ctx: ContextDep,
    session: SessionDep,
    principal: DeskDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[list[TicketStatus] | None, Query(alias="status")] = None,
    assignee_id: Annotated[str | None, Query(max_length=64)] = None,
    breached: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TicketOut]:
    """The queue: tickets that are not closed (or those of ``status``), the next SLA deadline first
    (tickets with no running clock last), each with its SLA clocks (due time, business seconds
    remaining). ``breached`` filters on the clocks, among the first 2000 tickets in that order."""
    query = select(ServiceTicket)
    wanted = status_ or [s for s in TicketStatus if s is not TicketStatus.CLOSED]
    query = query.where(col(ServiceTicket.status).in_(wanted))
    if principal.store_ids is not None:
        query = query.where(col(ServiceTicket.store_id).in_(sorted(principal.store_ids)))
    if store_id is not None:
        query = query.where(col(ServiceTicket.store_id) == store_id)
    if assignee_id is not None:
        query = query.where(col(ServiceTicket.assignee_id) == assignee_id)
    order = (
        col(ServiceTicket.next_check_at).is_(None),
        col(ServiceTicket.next_check_at),
        col(ServiceTicket.created_at),
    )
    rows = session.scalars(query.order_by(*order).limit(QUEUE_LIMIT if breached is not None else limit)).all()
    calendars, now = Calendars(session), ctx.clock()
    ids = [r.id for r in rows]
    histories, recorded = ticket_store.changes_for(session, ids), ticket_store.recorded_for(session, ids)
    found = []
    for r in rows:
        ticket = ticket_store.ticket_value(r, histories[r.id])
        at = max(now, ticket.created_at)
        found.append(ticket_out(r, check(ticket, calendars.policy, calendars.of(r.store_id), at, recorded[r.id])))
    if breached is not None:
        found = [t for t in found if t.breached is breached]
    return found[:limit]


@router.get("/tickets/{ticket_id}", response_model=TicketDetailOut)
def get_ticket(ctx: ContextDep, session: SessionDep, principal: DeskDep, ticket_id: TicketId) -> TicketDetailOut:
    row, ticket = ticket_store.visible(session, principal, ticket_id)
    return ticket_detail(session, row, ticket, Calendars(session), ctx.clock())


@router.post("/tickets/{ticket_id}/actions", response_model=TicketDetailOut, responses=problem_responses(409))
def change_ticket(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, ticket_id: TicketId, body: TicketActionIn
) -> TicketDetailOut:
    """open, respond (the note is the answer), wait_on_customer (pauses the clocks), resume,
    decline_compensation, resolve, reopen, close (plans the satisfaction survey)."""
    calendars = Calendars(session)
    row = tickets_desk.act(session, principal, ticket_id, body, calendars, ctx.messaging(), ctx.clock())
    session.commit()
    return _detail(session, row, calendars, ctx)


@router.post("/tickets/{ticket_id}/assign", response_model=TicketDetailOut, responses=problem_responses(409))
def assign_ticket(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, ticket_id: TicketId, body: AssignIn
) -> TicketDetailOut:
    """To the agent named, or (no agent_id) by the assignment rules."""
    calendars = Calendars(session)
    row = tickets_desk.assign(session, principal, ticket_id, body, calendars, ctx.clock())
    session.commit()
    return _detail(session, row, calendars, ctx)


@router.post("/tickets/{ticket_id}/escalate", response_model=TicketDetailOut, responses=problem_responses(409))
def escalate_ticket(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, ticket_id: TicketId, body: EscalateIn
) -> TicketDetailOut:
    """Escalate by hand, once per level; the notice goes out on the outbox (service/sla-events)."""
    row = tickets_desk.escalate(session, principal, ticket_id, body, ctx.messaging(), ctx.clock())
    session.commit()
    ctx.wake_relay()
    return _detail(session, row, Calendars(session), ctx)


@router.post(
    "/tickets/{ticket_id}/compensations",
    response_model=CompensationOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def compensate_ticket(
    ctx: ContextDep, session: SessionDep, principal: DeskDep, ticket_id: TicketId, body: CompensateIn
) -> CompensationOut:
    """A coupon (marketing), or a refund (orders), once per ticket and kind; a second is a 409."""
    grant = compensating.compensate(session, principal, ticket_id, body, Calendars(session), ctx.clock())
    session.commit()
    return CompensationOut.model_validate(grant, from_attributes=True)


@router.post(
    "/notification-replies",
    response_model=ReplyOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ReplyOut, "description": "Added to the customer's open ticket"}},
)
def notification_reply(
    ctx: ContextDep, session: SessionDep, principal: IntakeDep, body: ReplyIn, response: Response
) -> ReplyOut:
    """A customer answered a notification (the messaging gateway passes it on): it joins the customer's
    ticket that is not closed, resuming or reopening it, or opens a ticket (201)."""
    calendars = Calendars(session)
    row, created = replies.receive_reply(session, principal, body, calendars, ctx.clock())
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return ReplyOut(ticket=_detail(session, row, calendars, ctx), created=created)
