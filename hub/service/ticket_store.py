"""Tickets as rows and as values: load a ``Ticket`` with its history, store a new one, append changes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from hub.errors import NotFound
from hub.kernel.principal import Principal
from hub.service.tables import ServiceSlaEvent, ServiceTicket, ServiceTicketChange
from hub.service.ticket_model import (
    Actor,
    ActorKind,
    Channel,
    Priority,
    Ticket,
    TicketAction,
    TicketCategory,
    TicketChange,
    TicketKind,
    TicketLinks,
    TicketStatus,
)


def ticket_value(row: ServiceTicket, changes: Sequence[ServiceTicketChange]) -> Ticket:
    links = TicketLinks(
        customer_id=row.customer_id,
        order_id=row.order_id,
        delivery_id=row.delivery_id,
        subscription_id=row.subscription_id,
        product_id=row.product_id,
        rider_id=row.rider_id,
    )
    history = tuple(
        TicketChange(
            TicketAction(c.action),
            TicketStatus(c.status),
            Actor(ActorKind(c.actor_kind), c.actor_id),
            c.at,
            c.note,
            c.assignee_id,
        )
        for c in changes
    )
    return Ticket(
        row.id,
        TicketKind(row.kind),
        TicketCategory(row.category),
        Priority(row.priority),
        Channel(row.channel),
        row.store_id,
        links,
        row.summary,
        history,
    )


def changes_of(session: Session, ticket_id: str) -> list[ServiceTicketChange]:
    query = select(ServiceTicketChange).where(col(ServiceTicketChange.ticket_id) == ticket_id)
    return list(session.scalars(query.order_by(col(ServiceTicketChange.seq))).all())


def load(session: Session, ticket_id: str, *, lock: bool = False) -> tuple[ServiceTicket, Ticket]:
    query = select(ServiceTicket).where(col(ServiceTicket.id) == ticket_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise NotFound("no ticket with this id")
    return row, ticket_value(row, changes_of(session, ticket_id))


def visible(
    session: Session, principal: Principal, ticket_id: str, *, lock: bool = False
) -> tuple[ServiceTicket, Ticket]:
    """The ticket if the caller's stores include its store; 404 otherwise (it may be another store's)."""
    row, ticket = load(session, ticket_id, lock=lock)
    if not principal.sees_store(row.store_id):
        raise NotFound("no ticket with this id")
    return row, ticket


def insert(
    session: Session,
    ticket: Ticket,
    *,
    created_by: str,
    follow_up_of: str | None = None,
    source_notification_id: int | None = None,
) -> ServiceTicket:
    links = ticket.links
    row = ServiceTicket(
        id=ticket.id,
        store_id=ticket.store_id,
        kind=ticket.kind,
        category=ticket.category,
        priority=ticket.priority,
        channel=ticket.channel,
        status=ticket.status,
        summary=ticket.summary,
        customer_id=links.customer_id,
        order_id=links.order_id,
        delivery_id=links.delivery_id,
        subscription_id=links.subscription_id,
        product_id=links.product_id,
        rider_id=links.rider_id,
        created_by=created_by[:120],
        created_at=ticket.created_at,
        updated_at=ticket.created_at,
        follow_up_of=follow_up_of,
        source_notification_id=source_notification_id,
    )
    session.add(row)
    session.flush()
    append(session, row, before=0, ticket=ticket)
    return row


def append(session: Session, row: ServiceTicket, *, before: int, ticket: Ticket) -> None:
    """Store the changes of ``ticket`` past the first ``before`` ones and bring the header up to date."""
    for seq, change in enumerate(ticket.changes[before:], start=before + 1):
        session.add(
            ServiceTicketChange(
                ticket_id=row.id,
                seq=seq,
                action=change.action,
                status=change.status,
                actor_kind=change.actor.kind,
                actor_id=change.actor.id[:120],
                at=change.at,
                note=change.note,
                assignee_id=change.assignee_id,
            )
        )
    row.status = ticket.status
    row.assignee_id = ticket.assignee_id
    row.updated_at = ticket.changes[-1].at
    session.add(row)
    session.flush()


def recorded_keys(session: Session, ticket_id: str) -> set[str]:
    query = select(col(ServiceSlaEvent.key)).where(col(ServiceSlaEvent.ticket_id) == ticket_id)
    return set(session.scalars(query).all())


def changes_for(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[ServiceTicketChange]]:
    """The histories of many tickets in one query (the queue)."""
    found: dict[str, list[ServiceTicketChange]] = {t: [] for t in ticket_ids}
    query = select(ServiceTicketChange).where(col(ServiceTicketChange.ticket_id).in_(list(ticket_ids)))
    for change in session.scalars(query.order_by(col(ServiceTicketChange.ticket_id), col(ServiceTicketChange.seq))):
        found[change.ticket_id].append(change)
    return found


def recorded_for(session: Session, ticket_ids: Sequence[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {t: set() for t in ticket_ids}
    query = select(col(ServiceSlaEvent.ticket_id), col(ServiceSlaEvent.key)).where(
        col(ServiceSlaEvent.ticket_id).in_(list(ticket_ids))
    )
    for ticket_id, key in session.execute(query):
        found[ticket_id].add(key)
    return found
