"""Assignment against the stored agents and rules: who takes a ticket, and the workload they carry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from hub.service.assignment import Agent, AssignmentDecision, AssignmentRule, Strategy, Workload, choose_assignee
from hub.service.tables import ServiceAgent, ServiceAssignmentRule, ServiceTicket, ServiceTicketChange
from hub.service.ticket_model import Ticket, TicketAction, TicketCategory, TicketKind, TicketStatus

OPEN = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER)


def _agent(row: ServiceAgent) -> Agent:
    stores = frozenset(row.store_ids) if row.store_ids is not None else None
    return Agent(row.id, frozenset(row.queues), stores, None, row.max_open, row.active)


def _rule(row: ServiceAssignmentRule) -> AssignmentRule:
    return AssignmentRule(
        name=row.name,
        queue=row.queue,
        strategy=Strategy(row.strategy),
        store_ids=frozenset(row.store_ids) if row.store_ids is not None else None,
        kinds=frozenset(TicketKind(k) for k in row.kinds) if row.kinds is not None else None,
        categories=frozenset(TicketCategory(c) for c in row.categories) if row.categories is not None else None,
    )


def workload(session: Session) -> Workload:
    counts = session.execute(
        select(col(ServiceTicket.assignee_id), func.count())
        .where(col(ServiceTicket.assignee_id).is_not(None), col(ServiceTicket.status).in_(OPEN))
        .group_by(ServiceTicket.assignee_id)
    ).all()
    last = session.execute(
        select(col(ServiceTicketChange.note), col(ServiceTicketChange.assignee_id))
        .where(col(ServiceTicketChange.action) == TicketAction.ASSIGN, col(ServiceTicketChange.note).like("rule %"))
        .order_by(col(ServiceTicketChange.id).desc())
        .limit(500)
    ).all()
    cursors: dict[str, str] = {}
    for note, agent in last:
        rule = str(note).removeprefix("rule ").split(":", 1)[0]
        if agent is not None:
            cursors.setdefault(rule, str(agent))
    return Workload({str(a): int(n) for a, n in counts}, cursors)


def decide(session: Session, ticket: Ticket, at: datetime) -> AssignmentDecision | None:
    """The rules' choice for this ticket; None when no rules are configured."""
    rules = [
        _rule(r) for r in session.scalars(select(ServiceAssignmentRule).order_by(col(ServiceAssignmentRule.position)))
    ]
    if not rules:
        return None
    agents = [_agent(a) for a in session.scalars(select(ServiceAgent).order_by(col(ServiceAgent.id)))]
    return choose_assignee(ticket, rules, agents, workload(session), at)
