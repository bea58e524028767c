"""A customer's reply to a notification: a message on the ticket it belongs to, or a new ticket.

The reply goes to the customer's latest ticket that is not closed (a waiting ticket resumes, a
resolved one reopens); a reply to a notification about a closed ticket, or with no ticket at all,
opens a new ticket (channel ``notification_reply``), linked to the closed one as its follow-up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from hub.crm.api import visible_customer
from hub.db_types import new_id
from hub.errors import NotFound
from hub.kernel.principal import Principal
from hub.notifications.api import notification_recipient
from hub.service import ticket_store
from hub.service.calendars import Calendars
from hub.service.schemas import ReplyIn
from hub.service.tables import ServiceTicket, ServiceTicketMessage
from hub.service.ticket_model import (
    Actor,
    Channel,
    Priority,
    TicketCategory,
    TicketKind,
    TicketLinks,
    TicketStatus,
    open_ticket,
)
from hub.service.tickets_desk import after_change, auto_assign

SUMMARY_LIMIT = 200


def _latest_ticket(session: Session, customer_id: str) -> ServiceTicket | None:
    query = (
        select(ServiceTicket)
        .where(col(ServiceTicket.customer_id) == customer_id)
        .order_by(col(ServiceTicket.updated_at).desc(), col(ServiceTicket.id))
        .limit(1)
    )
    return session.scalars(query).first()


def receive_reply(
    session: Session, principal: Principal, body: ReplyIn, calendars: Calendars, now: datetime
) -> tuple[ServiceTicket, bool]:
    """(the ticket the reply landed on, whether it was opened for it)."""
    found = notification_recipient(session, body.notification_id)
    if found is None:
        raise NotFound("no notification with this id")
    customer = visible_customer(session, principal, found[0])
    text = body.text.strip()
    latest = _latest_ticket(session, customer.id)
    if latest is not None and principal.sees_store(latest.store_id) and latest.status != TicketStatus.CLOSED:
        row, ticket = ticket_store.load(session, latest.id, lock=True)
        action = ticket.action_on_customer_reply()
        if action is not None:
            changed = ticket.apply(action, actor=Actor.customer(customer.id), at=now, note=text[:SUMMARY_LIMIT])
            after_change(session, row, len(ticket.changes), changed, calendars, now)
        _message(session, row, customer.id, text, body.notification_id, now)
        return row, False
    store_id = customer.home_store_id if principal.sees_store(customer.home_store_id) else None
    if store_id is None and principal.store_ids:
        store_id = min(principal.store_ids)
    ticket = open_ticket(
        new_id(),
        kind=TicketKind.INQUIRY,
        category=TicketCategory.OTHER,
        channel=Channel.NOTIFICATION_REPLY,
        actor=Actor.customer(customer.id),
        at=now,
        summary=text[:SUMMARY_LIMIT],
        store_id=store_id,
        links=TicketLinks(customer_id=customer.id),
        priority=Priority.NORMAL,
    )
    follow_up_of = latest.id if latest is not None and latest.status == TicketStatus.CLOSED else None
    row = ticket_store.insert(
        session,
        ticket,
        created_by=f"customer:{customer.id}",
        follow_up_of=follow_up_of,
        source_notification_id=body.notification_id,
    )
    auto_assign(session, row, ticket, calendars, now)
    _message(session, row, customer.id, text, body.notification_id, now)
    return row, True


def _message(
    session: Session, row: ServiceTicket, customer_id: str, text: str, notification_id: int, now: datetime
) -> None:
    session.add(
        ServiceTicketMessage(
            ticket_id=row.id,
            author_kind="customer",
            author_id=customer_id,
            text=text,
            notification_id=notification_id,
            at=now,
        )
    )
    session.flush()
