"""The service desk's periodic job: SLA breaches and escalations, due surveys, lead follow-ups.

One transaction per run under the ``service-desk`` advisory lock (a second hub process skips the
run). Breaches, escalations and reminders are keyed, so however often the job runs (or if two ran
at once) each is recorded, and announced on the outbox, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from contracts import topics
from contracts.service import LeadFollowUpDue
from hub.kernel.job_lock import try_transaction_lock
from hub.kernel.messaging import Messaging
from hub.kernel.sql_dialect import insert_for, is_postgres
from hub.outbox.writer import enqueue
from hub.service import survey_desk, ticket_store
from hub.service.calendars import Calendars
from hub.service.leads import OPEN_STAGES, FollowUpReminder
from hub.service.sla_clock import check
from hub.service.sla_tracking import record_events, schedule
from hub.service.tables import ServiceLead, ServiceLeadReminder, ServiceTicket

logger = logging.getLogger(__name__)
LOCK = "service-desk"
reminders = ServiceLeadReminder.__table__  # type: ignore[attr-defined]


@dataclass
class DeskRun:
    ran: bool = True
    tickets_checked: int = 0
    sla_events: int = 0
    surveys_sent: int = 0
    reminders_sent: int = 0


def check_slas(session: Session, messaging: Messaging, now: datetime, limit: int = 500) -> tuple[int, int]:
    """(tickets looked at, breaches and escalations recorded now)."""
    query = (
        select(ServiceTicket)
        .where(col(ServiceTicket.next_check_at).is_not(None), col(ServiceTicket.next_check_at) <= now)
        .order_by(col(ServiceTicket.next_check_at))
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)  # a request changing a ticket keeps it; next round
    due = session.scalars(query).all()
    ids = [row.id for row in due]
    histories, recorded = ticket_store.changes_for(session, ids), ticket_store.recorded_for(session, ids)
    calendars, counted = Calendars(session), 0
    for row in due:
        ticket = ticket_store.ticket_value(row, histories[row.id])
        result = check(ticket, calendars.policy, calendars.of(row.store_id), now, recorded[row.id])
        new = record_events(session, row, result.new_events, messaging, now)
        for event in new:
            logger.warning("ticket %s %s %s %s at %s", row.id, event.target, event.kind, event.level or "", event.at)
        counted += len(new)
        schedule(row, replace(result, new_events=()), now)
        session.add(row)
    return len(due), counted


def remind_leads(session: Session, messaging: Messaging, now: datetime, limit: int = 500) -> int:
    due = session.scalars(
        select(ServiceLead)
        .where(
            col(ServiceLead.follow_up_at).is_not(None),
            col(ServiceLead.follow_up_at) <= now,
            col(ServiceLead.stage).in_(sorted(OPEN_STAGES)),
        )
        .order_by(col(ServiceLead.follow_up_at))
        .limit(limit)
    ).all()
    sent = 0
    for lead in due:
        assert lead.follow_up_at is not None
        reminder = FollowUpReminder(lead.id, lead.owner_id, lead.follow_up_at)
        inserted = session.execute(
            insert_for(session)(reminders)
            .values(key=reminder.key, lead_id=lead.id, owner_id=lead.owner_id, due_at=reminder.due_at, sent_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(reminders.c.id)
        ).scalar()
        if inserted is None:
            continue
        notice = LeadFollowUpDue(
            key=reminder.key, lead_id=lead.id, owner_id=lead.owner_id, store_id=lead.store_id, due_at=reminder.due_at
        )
        enqueue(session, topics.LEAD_FOLLOW_UP, notice, root=messaging.root, source=messaging.source)
        sent += 1
    return sent


def run_service_desk(session: Session, messaging: Messaging, now: datetime) -> DeskRun:
    """One run in the caller's transaction (the caller commits)."""
    if not try_transaction_lock(session, LOCK):
        return DeskRun(ran=False)
    checked, events = check_slas(session, messaging, now)
    surveys = survey_desk.send_due(session, now)
    leads = remind_leads(session, messaging, now)
    return DeskRun(True, checked, events, surveys, leads)
