"""Who takes a ticket: rules by store, kind, category and queue; round-robin or least-open. Pure.

Rules are ordered; the first rule that matches the ticket and has an eligible agent wins, so a
catch-all rule at the end takes what the specific ones cannot. An agent is eligible when active,
in the rule's queue (a skill such as ``quality`` or ``delivery``), serving the ticket's store (or
every store), on shift at that instant by the agent's own calendar (``OpeningHours``) and below
capacity. Nobody eligible: the ticket stays in the queue and the decision says when the first
agent who could take it comes on shift, so a job can try again then.

The service layer supplies the workload (open tickets per agent, the last agent each rule chose)
from its tables and records the decision as an ``assign`` change on the ticket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from hub.kernel.opening_hours import CalendarError, OpeningHours
from hub.service.errors import InvalidServiceRule
from hub.service.ticket_model import Ticket, TicketCategory, TicketKind


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_OPEN = "least_open"
    """Fewest open tickets; ties go round-robin."""


@dataclass(frozen=True)
class Agent:
    id: str
    queues: frozenset[str]
    store_ids: frozenset[str] | None = None
    """None: serves every store (a central service desk)."""
    shift: OpeningHours | None = None
    """The agent's working hours; None: always on shift."""
    max_open: int | None = None
    """Most open tickets at once; None: no limit."""
    active: bool = True

    def on_shift(self, at: datetime) -> bool:
        return self.shift is None or self.shift.is_open(at)

    def serves(self, store_id: str | None) -> bool:
        return self.store_ids is None or (store_id is not None and store_id in self.store_ids)


@dataclass(frozen=True)
class AssignmentRule:
    name: str
    queue: str
    strategy: Strategy = Strategy.LEAST_OPEN
    store_ids: frozenset[str] | None = None
    """Tickets of these stores; None: any store."""
    kinds: frozenset[TicketKind] | None = None
    categories: frozenset[TicketCategory] | None = None
    own_store_only: bool = True
    """Only agents serving the ticket's store (or every store)."""

    def matches(self, ticket: Ticket) -> bool:
        return (
            (self.store_ids is None or ticket.store_id in self.store_ids)
            and (self.kinds is None or ticket.kind in self.kinds)
            and (self.categories is None or ticket.category in self.categories)
        )


@dataclass(frozen=True)
class Workload:
    open_tickets: Mapping[str, int] = field(default_factory=dict)
    """Agent id -> tickets assigned and not yet resolved."""
    last_assigned: Mapping[str, str] = field(default_factory=dict)
    """Rule name -> the agent it chose last (the round-robin cursor)."""


@dataclass(frozen=True)
class AssignmentDecision:
    agent_id: str | None
    rule: str | None
    reason: str
    """Why this agent, or why nobody (for the ticket's history and the queue view)."""
    retry_at: datetime | None = None
    """When nobody was eligible: when the first agent who could take it comes on shift."""


def check_rules(rules: Sequence[AssignmentRule]) -> None:
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise InvalidServiceRule("assignment rules need distinct names (each keeps its own round-robin cursor)")
    if any(not r.queue.strip() for r in rules):
        raise InvalidServiceRule("an assignment rule needs the queue whose agents take its tickets")


def choose_assignee(
    ticket: Ticket, rules: Sequence[AssignmentRule], agents: Sequence[Agent], workload: Workload, at: datetime
) -> AssignmentDecision:
    """The agent to assign, by the first matching rule with someone eligible; or nobody, and when to retry."""
    check_rules(rules)
    matching = [r for r in rules if r.matches(ticket)]
    if not matching:
        return AssignmentDecision(None, None, "no assignment rule matches this ticket")
    waits: list[datetime] = []
    for rule in matching:
        able = [a for a in agents if _able(a, rule, ticket)]
        below_capacity = [a for a in able if a.max_open is None or workload.open_tickets.get(a.id, 0) < a.max_open]
        on_shift = [a for a in below_capacity if a.on_shift(at)]
        if on_shift:
            agent = _pick(rule, on_shift, workload)
            count = workload.open_tickets.get(agent.id, 0)
            how = "round-robin" if rule.strategy is Strategy.ROUND_ROBIN else f"least open ({count})"
            return AssignmentDecision(agent.id, rule.name, f"rule {rule.name}: {how} among {len(on_shift)} on shift")
        waits.extend(w for a in below_capacity if (w := _next_on_shift(a, at)) is not None)
    queues = ", ".join(dict.fromkeys(r.queue for r in matching))
    retry_at = min(waits, default=None)
    when = f"; the first comes on shift at {retry_at.isoformat()}" if retry_at else ""
    return AssignmentDecision(None, None, f"no agent of queue {queues} is on shift with room{when}", retry_at)


def _able(agent: Agent, rule: AssignmentRule, ticket: Ticket) -> bool:
    return agent.active and rule.queue in agent.queues and (not rule.own_store_only or agent.serves(ticket.store_id))


def _pick(rule: AssignmentRule, eligible: list[Agent], workload: Workload) -> Agent:
    ordered = sorted(eligible, key=lambda a: a.id)
    cursor = workload.last_assigned.get(rule.name)
    if cursor is not None:  # start after the agent chosen last
        ordered = [a for a in ordered if a.id > cursor] + [a for a in ordered if a.id <= cursor]
    if rule.strategy is Strategy.ROUND_ROBIN:
        return ordered[0]
    return min(ordered, key=lambda a: workload.open_tickets.get(a.id, 0))  # min keeps the first of a tie


def _next_on_shift(agent: Agent, at: datetime) -> datetime | None:
    if agent.shift is None:
        return at
    try:
        return agent.shift.add_open_time(at, timedelta(0))
    except CalendarError:
        return None
