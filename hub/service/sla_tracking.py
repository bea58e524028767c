"""SLA clocks of stored tickets: readings for the queue, recording breaches and escalations once,
each with its notice on the outbox, and when the job should look at a ticket next."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from contracts import topics
from contracts.service import SlaEventNotice
from hub.kernel.messaging import Messaging
from hub.kernel.sql_dialect import insert_for
from hub.outbox.writer import enqueue
from hub.service.calendars import Calendars
from hub.service.sla_clock import SlaCheck, SlaEvent, SlaEventKind, check
from hub.service.sla_policy import EscalationLevel
from hub.service.tables import ServiceSlaEvent, ServiceTicket
from hub.service.ticket_model import Ticket
from hub.service.ticket_store import recorded_keys

sla_events = ServiceSlaEvent.__table__  # type: ignore[attr-defined]
LEVEL_ORDER = {level: rank for rank, level in enumerate(EscalationLevel)}


def clocks(session: Session, row: ServiceTicket, ticket: Ticket, calendars: Calendars, now: datetime) -> SlaCheck:
    return check(ticket, calendars.policy, calendars.of(row.store_id), now, recorded_keys(session, row.id))


def schedule(row: ServiceTicket, result: SlaCheck, now: datetime) -> None:
    """When the job should next look: now if something is waiting to be recorded, else the next deadline."""
    if result.new_events:
        row.next_check_at = now
    else:
        row.next_check_at = result.next_deadline.at if result.next_deadline is not None else None


def raise_level(row: ServiceTicket, level: EscalationLevel) -> None:
    current = EscalationLevel(row.escalation_level) if row.escalation_level else None
    if current is None or LEVEL_ORDER[level] > LEVEL_ORDER[current]:
        row.escalation_level = level


def record_events(
    session: Session,
    row: ServiceTicket,
    events: Iterable[SlaEvent],
    messaging: Messaging,
    now: datetime,
    *,
    actor: str = "system",
) -> list[SlaEvent]:
    """Insert each event by its key; the ones inserted now (not before) get a notice on the outbox."""
    recorded: list[SlaEvent] = []
    for event in events:
        inserted = session.execute(
            insert_for(session)(sla_events)
            .values(
                key=event.key,
                ticket_id=event.ticket_id,
                target=event.target,
                kind=event.kind,
                level=event.level,
                at=event.at,
                recorded_at=now,
                actor=actor[:120],
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(sla_events.c.id)
        ).scalar()
        if inserted is None:
            continue
        recorded.append(event)
        if event.kind is SlaEventKind.ESCALATED and event.level is not None:
            raise_level(row, event.level)
        notice = SlaEventNotice(
            key=event.key,
            ticket_id=event.ticket_id,
            store_id=row.store_id,
            target=event.target,
            kind=event.kind,
            level=event.level,
            at=event.at,
            assignee_id=row.assignee_id,
        )
        enqueue(session, topics.SERVICE_SLA_EVENT, notice, root=messaging.root, source=messaging.source)
    session.add(row)
    return recorded


def events_of(session: Session, ticket_id: str) -> list[ServiceSlaEvent]:
    query = select(ServiceSlaEvent).where(sla_events.c.ticket_id == ticket_id).order_by(sla_events.c.id)
    return list(session.scalars(query).all())
