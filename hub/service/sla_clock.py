"""SLA clocks: elapsed business time, due instants, breaches and escalations from a ticket's history. Pure.

A target's clock runs while the ticket is new, open or waiting on the customer, unless the policy
pauses on that status (the standard policy pauses while waiting on the customer), and until the
target's stop: the first response for the first-response target, the compensation decision for
the compensation target. Resolved and closed tickets run no clock; a reopened ticket's resolution
clock carries on from where it stopped. Only the calendar's open time counts, so a lunch break, a
night or a public holiday holds every clock.

``due_at`` is the first instant at which the goal is breached: on a ticket due at 17:10 an answer
at 17:09:59 is in time and one at 17:10 is late. Everything is a function of (ticket, policy,
calendar, now) and only the changes dated at or before ``now`` count, so a job may check as often
as it likes. The service dates each change with the hub's clock when it records it, so a change
never lands before a check that already ran.

``check`` gives the readings, the events not yet recorded (a breach is reported once; each
escalation level fires once per target, at the breach and at its offset of further running business
time) and the next deadline, so the job can sleep until then; any change to the ticket wakes it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hub.service.errors import InvalidTicket
from hub.service.sla_policy import BusinessCalendar, EscalationLevel, SlaPolicy, SlaTarget
from hub.service.ticket_model import (
    COMPENSATION_DECISIONS,
    RESPONDING_ACTIONS,
    Ticket,
    TicketAction,
    TicketChange,
    TicketStatus,
)

RUNNING_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER})
"""Statuses in which a clock runs, unless the policy pauses on them."""
STOPPED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
STOPS: dict[SlaTarget, frozenset[TicketAction]] = {
    SlaTarget.FIRST_RESPONSE: RESPONDING_ACTIONS,
    SlaTarget.COMPENSATION: COMPENSATION_DECISIONS,
    SlaTarget.RESOLUTION: frozenset(),
}
"""The actions that stop a target's clock for good (resolution stops by status, and may run again)."""


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    """Past due; the clock may still be running (``stopped_at`` None) or have stopped late."""


class SlaEventKind(StrEnum):
    BREACHED = "breached"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class ClockReading:
    target: SlaTarget
    goal: timedelta
    status: ClockStatus
    elapsed: timedelta
    """Running business time so far; never decreases as ``now`` advances."""
    remaining: timedelta
    """``goal - elapsed``; negative when overdue."""
    due_at: datetime | None
    """When running or breached: the breach instant. None while paused or once met."""
    stopped_at: datetime | None
    """The stop (first response, compensation decision) or the resolution, once the clock stopped."""

    @property
    def breached_at(self) -> datetime | None:
        return self.due_at if self.status is ClockStatus.BREACHED else None


@dataclass(frozen=True)
class SlaEvent:
    """A breach or an escalation, dated by when it happened (not when a check noticed it)."""

    ticket_id: str
    target: SlaTarget
    kind: SlaEventKind
    at: datetime
    level: EscalationLevel | None = None

    @property
    def key(self) -> str:
        """Unique per ticket, target, kind and level: record it, and the event is never reported again."""
        suffix = f"/{self.level}" if self.level is not None else ""
        return f"{self.ticket_id}/{self.target}/{self.kind}{suffix}"


@dataclass(frozen=True)
class Deadline:
    """The next instant a check would find something new, and what."""

    at: datetime
    target: SlaTarget
    kind: SlaEventKind
    level: EscalationLevel | None = None


@dataclass(frozen=True)
class SlaCheck:
    readings: tuple[ClockReading, ...]
    new_events: tuple[SlaEvent, ...]
    """Oldest first; only those whose keys were not recorded."""
    next_deadline: Deadline | None
    """None when nothing can happen until the ticket changes (paused, stopped, all fired)."""


@dataclass(frozen=True)
class _Run:
    start: datetime
    end: datetime | None
    """None: still running at ``now`` (open-ended when looking for future crossings)."""


def check(
    ticket: Ticket, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime, recorded: Collection[str] = ()
) -> SlaCheck:
    """Readings, not-yet-recorded events and the next deadline of every target the policy sets."""
    readings: list[ClockReading] = []
    events: list[SlaEvent] = []
    upcoming: list[Deadline] = []
    changes = _changes_until(ticket, now)
    for target, goal in policy.goals_for(ticket.kind, ticket.priority, ticket.channel).items():
        runs = _runs(changes, target, policy)
        levels: dict[timedelta, EscalationLevel | None] = {goal: None}
        levels |= {goal + step.after_breach: step.level for step in policy.escalation}
        amounts = sorted(levels)
        crossings = dict(zip(amounts, _crossings(runs, calendar, amounts), strict=True))
        readings.append(_reading(target, goal, changes, runs, calendar, crossings[goal], now))
        for amount, at in crossings.items():
            if at is None:
                continue
            happened = [SlaEvent(ticket.id, target, SlaEventKind.BREACHED, at)] if amount == goal else []
            level = levels[amount]
            if level is not None:
                happened.append(SlaEvent(ticket.id, target, SlaEventKind.ESCALATED, at, level))
            if at <= now:
                events.extend(e for e in happened if e.key not in recorded)
            else:
                upcoming.extend(Deadline(e.at, e.target, e.kind, e.level) for e in happened)
    events.sort(key=lambda e: e.at)
    return SlaCheck(tuple(readings), tuple(events), min(upcoming, key=lambda d: d.at, default=None))


def read_clocks(
    ticket: Ticket, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime
) -> tuple[ClockReading, ...]:
    return check(ticket, policy, calendar, now).readings


def new_events(
    ticket: Ticket, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime, recorded: Collection[str]
) -> tuple[SlaEvent, ...]:
    """The breaches and escalations that happened by ``now`` and whose keys are not in ``recorded``."""
    return check(ticket, policy, calendar, now, recorded).new_events


def next_deadline(ticket: Ticket, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime) -> Deadline | None:
    return check(ticket, policy, calendar, now).next_deadline


def _changes_until(ticket: Ticket, now: datetime) -> list[TicketChange]:
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidTicket("the clock's now must be timezone-aware")
    if now < ticket.created_at:
        raise InvalidTicket(f"ticket {ticket.id} did not exist at {now.isoformat()}")
    return [c for c in ticket.changes if c.at <= now]


def _runs(changes: list[TicketChange], target: SlaTarget, policy: SlaPolicy) -> list[_Run]:
    """The intervals in which the target's clock ran, up to ``now`` (the last one open-ended if it still runs)."""
    stop = next((c.at for c in changes if c.action in STOPS[target]), None)
    runs: list[_Run] = []
    for i, change in enumerate(changes):
        if stop is not None and change.at >= stop:
            break
        end = changes[i + 1].at if i + 1 < len(changes) else None
        if change.status in RUNNING_STATUSES and change.status not in policy.pausing:
            runs.append(_Run(change.at, end))
    return runs


def _crossings(runs: list[_Run], calendar: BusinessCalendar, amounts: list[timedelta]) -> list[datetime | None]:
    """For each amount (ascending, > 0), the instant the running time reaches it, or None if it never does."""
    found: list[datetime | None] = []
    done = timedelta(0)
    for run in runs:
        if run.end is None:
            found.extend(calendar.add_open_time(run.start, a - done) for a in amounts[len(found) :])
            break
        span = calendar.open_time_between(run.start, run.end)
        while len(found) < len(amounts) and amounts[len(found)] <= done + span:
            found.append(calendar.add_open_time(run.start, amounts[len(found)] - done))
        done += span
    return found + [None] * (len(amounts) - len(found))


def _reading(
    target: SlaTarget,
    goal: timedelta,
    changes: list[TicketChange],
    runs: list[_Run],
    calendar: BusinessCalendar,
    due: datetime | None,
    now: datetime,
) -> ClockReading:
    elapsed = sum((calendar.open_time_between(r.start, r.end or now) for r in runs), timedelta(0))
    stop = next((c.at for c in changes if c.action in STOPS[target]), None)
    if stop is None and changes[-1].status in STOPPED_STATUSES:
        stop = next(c.at for c in reversed(changes) if c.action is TicketAction.RESOLVE)
    running = bool(runs) and runs[-1].end is None
    if due is not None and due <= now:
        status = ClockStatus.BREACHED
    elif running:
        status = ClockStatus.RUNNING
    elif stop is not None:
        status, due = ClockStatus.MET, None
    else:
        status, due = ClockStatus.PAUSED, None
    return ClockReading(target, goal, status, elapsed, goal - elapsed, due, None if running else stop)
