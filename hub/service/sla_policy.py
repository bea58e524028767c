"""SLA policies as data: targets per kind, priority and channel, the calendar, pauses, escalation. Pure.

A policy is an ordered list of target rules; for each target (first response, compensation,
resolution) the first rule matching the ticket's kind, priority and channel gives the goal, and a
target no rule matches is not tracked. Goals are business time on the policy's calendar: the
ticket's store's ``OpeningHours`` (split shifts, closed dates, public holidays, make-up days) or
24x7. While the ticket is in a pausing status (waiting on the customer) no clock runs. When a
target is breached, the escalation ladder fires its levels at the breach and at later business
offsets of the same clock (``hub.service.sla_clock``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from hub.kernel.opening_hours import OpeningHours
from hub.service.errors import InvalidServiceRule
from hub.service.ticket_model import COMPENSATION_KINDS, Channel, Priority, TicketKind, TicketStatus


class SlaTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    """Stops at the first reply to the customer (respond, wait_on_customer or resolve)."""
    COMPENSATION = "compensation"
    """Stops at the compensation decision (compensate or decline_compensation)."""
    RESOLUTION = "resolution"
    """Runs until the ticket is resolved, and again after a reopen."""


class CalendarKind(StrEnum):
    STORE_HOURS = "store_hours"
    ALWAYS = "always"
    """24x7: every minute counts (a central hotline, a chain-wide policy)."""


class EscalationLevel(StrEnum):
    AGENT = "agent"
    STORE_MANAGER = "store_manager"
    AREA_MANAGER = "area_manager"


class BusinessCalendar(Protocol):
    """What a clock needs from a calendar; ``OpeningHours`` and ``AlwaysOpen`` are two."""

    def open_time_between(self, start: datetime, end: datetime) -> timedelta: ...

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime: ...


@dataclass(frozen=True)
class AlwaysOpen:
    """A calendar open every instant (24x7)."""

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime:
        if duration < timedelta(0):
            raise InvalidServiceRule("a duration cannot be negative")
        return start.astimezone(UTC) + duration


ALWAYS_OPEN = AlwaysOpen()
PAUSABLE = frozenset({TicketStatus.WAITING_ON_CUSTOMER})
"""Statuses a policy may pause on (new and open always run; resolved and closed never do)."""


@dataclass(frozen=True)
class TargetRule:
    target: SlaTarget
    within: timedelta
    """Business time on the policy's calendar."""
    kinds: frozenset[TicketKind] | None = None
    """None: every kind."""
    priorities: frozenset[Priority] | None = None
    channels: frozenset[Channel] | None = None

    def matches(self, kind: TicketKind, priority: Priority, channel: Channel) -> bool:
        return (
            (self.kinds is None or kind in self.kinds)
            and (self.priorities is None or priority in self.priorities)
            and (self.channels is None or channel in self.channels)
        )


@dataclass(frozen=True)
class EscalationStep:
    level: EscalationLevel
    after_breach: timedelta = timedelta(0)
    """Business time on the breached clock after the breach; a pause or a stop holds it back too."""


DEFAULT_ESCALATION = (
    EscalationStep(EscalationLevel.AGENT),
    EscalationStep(EscalationLevel.STORE_MANAGER, timedelta(minutes=30)),
    EscalationStep(EscalationLevel.AREA_MANAGER, timedelta(hours=2)),
)


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    rules: tuple[TargetRule, ...]
    """Ordered: for each target the first matching rule wins."""
    calendar: CalendarKind = CalendarKind.STORE_HOURS
    pausing: frozenset[TicketStatus] = field(default_factory=lambda: PAUSABLE)
    escalation: tuple[EscalationStep, ...] = DEFAULT_ESCALATION

    def __post_init__(self) -> None:
        for rule in self.rules:
            if rule.within <= timedelta(0):
                raise InvalidServiceRule(f"policy {self.name}: the {rule.target} goal must be longer than zero")
            if rule.target is SlaTarget.COMPENSATION and (rule.kinds is None or not rule.kinds <= COMPENSATION_KINDS):
                kinds = ", ".join(sorted(COMPENSATION_KINDS))
                raise InvalidServiceRule(
                    f"policy {self.name}: a compensation target must name its kinds, among {kinds} (only they "
                    "need a compensation decision before resolving)"
                )
        if not self.pausing <= PAUSABLE:
            raise InvalidServiceRule(
                f"policy {self.name}: only {', '.join(sorted(PAUSABLE))} can pause the clock "
                "(new and open always run it, resolved and closed stop it)"
            )
        levels = [step.level for step in self.escalation]
        if len(set(levels)) != len(levels):
            raise InvalidServiceRule(f"policy {self.name}: each escalation level may appear once")
        offsets = [step.after_breach for step in self.escalation]
        if any(o < timedelta(0) for o in offsets) or any(b <= a for a, b in itertools.pairwise(offsets)):
            raise InvalidServiceRule(
                f"policy {self.name}: escalation steps must come at increasing, non-negative times after the breach"
            )

    def goals_for(self, kind: TicketKind, priority: Priority, channel: Channel) -> dict[SlaTarget, timedelta]:
        """Target -> goal for a ticket like this, in target order; targets no rule matches are absent."""
        goals: dict[SlaTarget, timedelta] = {}
        for target in SlaTarget:
            rule = next((r for r in self.rules if r.target is target and r.matches(kind, priority, channel)), None)
            if rule is not None:
                goals[target] = rule.within
        return goals

    def calendar_for(self, store_hours: OpeningHours | None) -> BusinessCalendar:
        """The calendar the clocks run on: the store's hours, or 24x7."""
        if self.calendar is CalendarKind.ALWAYS:
            return ALWAYS_OPEN
        if store_hours is None:
            raise InvalidServiceRule(f"policy {self.name} counts store hours, but the ticket's store has none")
        return store_hours


def standard_policy(calendar: CalendarKind = CalendarKind.STORE_HOURS) -> SlaPolicy:
    """The issue's defaults: first response in 15 minutes (quality: answered in 1 hour and compensated
    in 2), resolution by priority; every goal in business time."""
    quality = frozenset({TicketKind.QUALITY})
    minutes, hours = timedelta(minutes=1), timedelta(hours=1)
    return SlaPolicy(
        name="standard",
        calendar=calendar,
        rules=(
            TargetRule(SlaTarget.FIRST_RESPONSE, 1 * hours, kinds=quality),
            TargetRule(SlaTarget.FIRST_RESPONSE, 15 * minutes),
            TargetRule(SlaTarget.COMPENSATION, 2 * hours, kinds=quality),
            TargetRule(SlaTarget.RESOLUTION, 2 * hours, priorities=frozenset({Priority.URGENT})),
            TargetRule(SlaTarget.RESOLUTION, 4 * hours, kinds=quality),
            TargetRule(SlaTarget.RESOLUTION, 8 * hours, priorities=frozenset({Priority.HIGH})),
            TargetRule(SlaTarget.RESOLUTION, 24 * hours, priorities=frozenset({Priority.NORMAL})),
            TargetRule(SlaTarget.RESOLUTION, 72 * hours),
        ),
    )
