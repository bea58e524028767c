"""Repeated complaints: the same customer, or the same issue, N times within M business days. Pure.

"The same issue" is the same category at the same store, about the same product, or with the same
rider. Days are counted in the store's zone and include the new ticket's day: "3 times in 7 days"
on 8 October looks back to 2 October 00:00 local time. Given the store's ``OpeningHours``, only
days the store opens count, so a week closed for National Day does not use up the window. Each
match carries its evidence: the ids of the tickets counted, oldest first, the new one last.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.kernel.opening_hours import OpeningHours
from hub.service.errors import InvalidServiceRule
from hub.service.ticket_model import Ticket, TicketCategory, TicketKind

MAX_DAYS_BACK = 400
"""A window never reaches further back than this many calendar days, however rarely the store opens."""


class RepeatBasis(StrEnum):
    CUSTOMER = "customer"
    STORE_ISSUE = "store_issue"
    PRODUCT_ISSUE = "product_issue"
    RIDER_ISSUE = "rider_issue"


@dataclass(frozen=True)
class TicketFacts:
    """What repeat detection reads of a ticket (the service loads these, not whole histories)."""

    ticket_id: str
    kind: TicketKind
    category: TicketCategory
    created_at: datetime
    store_id: str | None = None
    customer_id: str | None = None
    product_id: str | None = None
    rider_id: str | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> TicketFacts:
        links = ticket.links
        return cls(
            ticket.id,
            ticket.kind,
            ticket.category,
            ticket.created_at,
            ticket.store_id,
            links.customer_id,
            links.product_id,
            links.rider_id,
        )


@dataclass(frozen=True)
class RepeatRule:
    name: str
    basis: RepeatBasis
    times: int
    """N, the new ticket included."""
    within_days: int
    """M business days, today included."""
    kinds: frozenset[TicketKind] = field(default_factory=lambda: frozenset({TicketKind.COMPLAINT, TicketKind.QUALITY}))
    categories: frozenset[TicketCategory] | None = None
    """None: every category."""

    def __post_init__(self) -> None:
        if self.times < 2:
            raise InvalidServiceRule(f"repeat rule {self.name}: a repeat needs at least 2 tickets")
        if not 1 <= self.within_days <= MAX_DAYS_BACK:
            raise InvalidServiceRule(f"repeat rule {self.name}: the window is 1 to {MAX_DAYS_BACK} days")

    def subject(self, facts: TicketFacts) -> tuple[object, ...] | None:
        """What "the same" means for this rule; None when the ticket lacks it (or the rule skips it)."""
        if facts.kind not in self.kinds or (self.categories is not None and facts.category not in self.categories):
            return None
        about = {
            RepeatBasis.CUSTOMER: facts.customer_id,
            RepeatBasis.STORE_ISSUE: facts.store_id,
            RepeatBasis.PRODUCT_ISSUE: facts.product_id,
            RepeatBasis.RIDER_ISSUE: facts.rider_id,
        }[self.basis]
        if about is None:
            return None
        return (about,) if self.basis is RepeatBasis.CUSTOMER else (facts.category, about)


@dataclass(frozen=True)
class RepeatMatch:
    rule: str
    basis: RepeatBasis
    subject: str
    """E.g. ``customer c-1`` or ``cold_food / store sh-001``: ids only, no personal data."""
    since: datetime
    """The window's start (UTC)."""
    evidence: tuple[str, ...]
    """Ticket ids counted, oldest first; the new ticket last."""

    @property
    def count(self) -> int:
        return len(self.evidence)


def window_start(at: datetime, days: int, zone: str, hours: OpeningHours | None = None) -> datetime:
    """The UTC start of the ``days`` business days ending with ``at``'s local day (that day always counts)."""
    tz = ZoneInfo(zone)
    day = at.astimezone(tz).date()
    counted = 1
    for _ in range(MAX_DAYS_BACK):
        if counted >= days:
            break
        day -= timedelta(days=1)
        if hours is None or hours.shifts_on(day):
            counted += 1
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def find_repeats(
    new: TicketFacts,
    history: Iterable[TicketFacts],
    rules: Sequence[RepeatRule],
    zone: str,
    hours: OpeningHours | None = None,
) -> tuple[RepeatMatch, ...]:
    """The rules the new ticket trips, each with the tickets that count; ``history`` may hold anything."""
    past = [f for f in history if f.ticket_id != new.ticket_id and f.created_at <= new.created_at]
    matches: list[RepeatMatch] = []
    for rule in rules:
        subject = rule.subject(new)
        if subject is None:
            continue
        since = window_start(new.created_at, rule.within_days, zone, hours)
        same = sorted(
            (f for f in past if f.created_at >= since and rule.subject(f) == subject),
            key=lambda f: (f.created_at, f.ticket_id),
        )
        if len(same) + 1 >= rule.times:
            evidence = (*(f.ticket_id for f in same), new.ticket_id)
            matches.append(RepeatMatch(rule.name, rule.basis, _describe(rule.basis, subject), since, evidence))
    return tuple(matches)


def _describe(basis: RepeatBasis, subject: tuple[object, ...]) -> str:
    if basis is RepeatBasis.CUSTOMER:
        return f"customer {subject[0]}"
    what = {RepeatBasis.STORE_ISSUE: "store", RepeatBasis.PRODUCT_ISSUE: "product", RepeatBasis.RIDER_ISSUE: "rider"}
    return f"{subject[0]} / {what[basis]} {subject[1]}"
