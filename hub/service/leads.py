"""Leads: prospects with a source, a stage, an owner and follow-up reminders, until they convert. Pure.

    new ──contact──► contacted ──qualify──► qualified
    new, contacted, qualified ──convert──► won (the customer id recorded) | ──lose──► lost
    lost ──revive──► contacted

A lead is a frozen value with its history, like a ticket. Every change carries the follow-up
reminder in force after it: a contact fulfils the reminder (and may set the next one), winning or
losing clears it, reassigning or qualifying keeps it. ``follow_up_after`` puts a reminder on the
owner's business calendar ("in one working day" skips the night and the weekend) and
``reminders_due`` lists the ones a job should send now, each with a key so it goes out once. The
prospect's name and phone live in the service's table (personal data), not here; converting asks
the CRM to find or create the customer and records the id it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from hub.service.errors import InvalidLeadTransition
from hub.service.sla_policy import BusinessCalendar


class LeadStage(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    WON = "won"
    """Converted: the lead is now a customer."""
    LOST = "lost"


class LeadSource(StrEnum):
    WALK_IN = "walk_in"
    PHONE = "phone"
    MINI_PROGRAM = "mini_program"
    WEBSITE = "website"
    REFERRAL = "referral"
    EVENT = "event"
    """A tasting stand, a community event."""
    SOCIAL = "social"
    FLYER = "flyer"
    OTHER = "other"


class LeadAction(StrEnum):
    CREATE = "create"
    CONTACT = "contact"
    QUALIFY = "qualify"
    CONVERT = "convert"
    LOSE = "lose"
    REVIVE = "revive"
    REASSIGN = "reassign"
    SCHEDULE_FOLLOW_UP = "schedule_follow_up"


G, L = LeadStage, LeadAction
OPEN_STAGES = frozenset({G.NEW, G.CONTACTED, G.QUALIFIED})
_MOVES: dict[LeadAction, dict[LeadStage, LeadStage]] = {
    L.CONTACT: {G.NEW: G.CONTACTED, G.CONTACTED: G.CONTACTED, G.QUALIFIED: G.QUALIFIED},
    L.QUALIFY: {G.CONTACTED: G.QUALIFIED},
    L.CONVERT: dict.fromkeys(OPEN_STAGES, G.WON),
    L.LOSE: dict.fromkeys(OPEN_STAGES, G.LOST),
    L.REVIVE: {G.LOST: G.CONTACTED},
    L.REASSIGN: {s: s for s in OPEN_STAGES},
    L.SCHEDULE_FOLLOW_UP: {s: s for s in OPEN_STAGES},
}


@dataclass(frozen=True)
class LeadChange:
    action: LeadAction
    stage: LeadStage
    actor_id: str
    at: datetime
    owner_id: str
    """The owner after the change."""
    follow_up_at: datetime | None = None
    """The reminder in force after the change."""
    note: str = ""
    customer_id: str | None = None
    """Set by ``convert``."""


@dataclass(frozen=True)
class FollowUpReminder:
    lead_id: str
    owner_id: str
    due_at: datetime

    @property
    def key(self) -> str:
        return f"lead-follow-up:{self.lead_id}:{self.due_at.isoformat()}"


@dataclass(frozen=True)
class Lead:
    id: str
    source: LeadSource
    store_id: str | None
    """The store or depot the prospect would buy from."""
    changes: tuple[LeadChange, ...]

    @property
    def stage(self) -> LeadStage:
        return self.changes[-1].stage

    @property
    def owner_id(self) -> str:
        return self.changes[-1].owner_id

    @property
    def follow_up_at(self) -> datetime | None:
        return self.changes[-1].follow_up_at

    @property
    def customer_id(self) -> str | None:
        return self.changes[-1].customer_id

    def contact(self, *, by: str, at: datetime, note: str, next_follow_up: datetime | None = None) -> Lead:
        return self._change(L.CONTACT, by, at, note=note, follow_up_at=next_follow_up, needs="what was said")

    def qualify(self, *, by: str, at: datetime, note: str) -> Lead:
        return self._change(L.QUALIFY, by, at, note=note, follow_up_at=self.follow_up_at, needs="why it qualifies")

    def convert(self, *, customer_id: str, by: str, at: datetime) -> Lead:
        """Won: the CRM found or created ``customer_id`` for this prospect."""
        if not customer_id.strip():
            raise InvalidLeadTransition("converting a lead needs the customer the CRM found or created for it")
        return self._change(L.CONVERT, by, at, customer_id=customer_id)

    def lose(self, *, by: str, at: datetime, reason: str) -> Lead:
        return self._change(L.LOSE, by, at, note=reason, needs="the reason it was lost")

    def revive(self, *, by: str, at: datetime, note: str, next_follow_up: datetime | None = None) -> Lead:
        return self._change(L.REVIVE, by, at, note=note, follow_up_at=next_follow_up, needs="why it is back")

    def reassign(self, *, owner_id: str, by: str, at: datetime) -> Lead:
        if not owner_id.strip():
            raise InvalidLeadTransition("reassigning a lead needs its new owner")
        return self._change(L.REASSIGN, by, at, owner_id=owner_id, follow_up_at=self.follow_up_at)

    def schedule_follow_up(self, *, when: datetime, by: str, at: datetime, note: str = "") -> Lead:
        if _utc(when) < _utc(at):
            raise InvalidLeadTransition("a follow-up cannot be scheduled in the past")
        return self._change(L.SCHEDULE_FOLLOW_UP, by, at, note=note, follow_up_at=when)

    def _change(
        self,
        action: LeadAction,
        by: str,
        at: datetime,
        *,
        note: str = "",
        follow_up_at: datetime | None = None,
        owner_id: str | None = None,
        customer_id: str | None = None,
        needs: str | None = None,
    ) -> Lead:
        at = _utc(at)
        if at < self.changes[-1].at:
            raise InvalidLeadTransition(f"a change to lead {self.id} cannot be dated before its last change")
        moves = _MOVES[action]
        if self.stage not in moves:
            raise InvalidLeadTransition(_wrong_stage(action, self.stage, moves, self.customer_id))
        if needs is not None and not note.strip():
            raise InvalidLeadTransition(f"{action} needs a note saying {needs}")
        stage = moves[self.stage]
        reminder = None if stage not in OPEN_STAGES or follow_up_at is None else _utc(follow_up_at)
        change = LeadChange(
            action, stage, by, at, owner_id or self.owner_id, reminder, note.strip(), customer_id or self.customer_id
        )
        return replace(self, changes=(*self.changes, change))


def open_lead(
    lead_id: str,
    *,
    source: LeadSource,
    owner_id: str,
    by: str,
    at: datetime,
    store_id: str | None = None,
    follow_up_at: datetime | None = None,
) -> Lead:
    if not lead_id.strip() or not owner_id.strip():
        raise InvalidLeadTransition("a lead needs an id and an owner")
    reminder = _utc(follow_up_at) if follow_up_at is not None else None
    return Lead(lead_id, source, store_id, (LeadChange(L.CREATE, G.NEW, by, _utc(at), owner_id, reminder),))


def follow_up_after(at: datetime, wait: timedelta, calendar: BusinessCalendar) -> datetime:
    """``wait`` of the owner's business time after ``at``: nights, weekends and holidays do not count."""
    return calendar.add_open_time(_utc(at), wait)


def reminders_due(leads: Iterable[Lead], now: datetime) -> list[FollowUpReminder]:
    """Open leads whose follow-up is due by ``now``, oldest first; each key is sent once."""
    now = _utc(now)
    due = [
        FollowUpReminder(lead.id, lead.owner_id, lead.follow_up_at)
        for lead in leads
        if lead.stage in OPEN_STAGES and lead.follow_up_at is not None and lead.follow_up_at <= now
    ]
    return sorted(due, key=lambda r: (r.due_at, r.lead_id))


def _wrong_stage(
    action: LeadAction, stage: LeadStage, moves: dict[LeadStage, LeadStage], customer_id: str | None
) -> str:
    allowed = " or ".join(sorted(moves))
    text = f"{action} needs a lead that is {allowed}; this one is {stage}"
    if stage is G.WON:
        return f"{text}: it became customer {customer_id}"
    if stage is G.LOST:
        return f"{text}: revive it first"
    if action is L.QUALIFY:
        return f"{text}: contact it first"
    return text


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidLeadTransition("lead times must be timezone-aware")
    return at.astimezone(UTC)
