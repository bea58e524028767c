"""A subscription's timeline as an immutable value: commands return a new one, queries say what is due.

Every command takes a ``ChangeStamp`` (who, when) and checks the store's cut-off at the stamp's
time: a change for a frozen date raises ``DateFrozen`` naming the first date still changeable. Each
accepted command appends one ``HistoryEntry``. Pure: the service layer loads the value from its
tables, calls a command, and stores the new facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from hub.subscriptions.errors import (
    InvalidChange,
    InvalidDeliveryRule,
    NothingPlanned,
    PauseOverlaps,
    SubscriptionClosed,
)
from hub.subscriptions.frequency import RULE_CHECK_DAYS
from hub.subscriptions.holiday_policy import MAX_SHIFT_DAYS
from hub.subscriptions.planning import PlannedDelivery, plan_between
from hub.subscriptions.plans import DeliveryWindow, Plan, PlanItem
from hub.subscriptions.store_calendar import StoreCalendar
from hub.subscriptions.timeline import (
    Cancellation,
    ChangeKind,
    ChangeStamp,
    DeliveryTerms,
    Extra,
    HistoryEntry,
    Pause,
    Renewal,
    ReturnedPunch,
    Skip,
    TermsChange,
)


class SubscriptionStatus(StrEnum):
    NOT_STARTED = "not_started"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"
    """The paid term is over (or the punch card used up) without renewal."""
    CANCELLED = "cancelled"

    @property
    def counts_as_churn(self) -> bool:
        """A pause is never churn; only a cancellation or an unrenewed end is."""
        return self in (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    customer_id: str
    store_id: str
    plan: Plan
    store: StoreCalendar
    start: date
    terms: DeliveryTerms
    """The terms at the start; ``changes`` override them from their effective dates."""
    pauses: tuple[Pause, ...] = ()
    skips: tuple[Skip, ...] = ()
    extras: tuple[Extra, ...] = ()
    changes: tuple[TermsChange, ...] = ()
    renewals: tuple[Renewal, ...] = ()
    returned_punches: tuple[ReturnedPunch, ...] = ()
    cancellation: Cancellation | None = None
    history: tuple[HistoryEntry, ...] = ()

    @classmethod
    def begin(
        cls,
        *,
        subscription_id: str,
        customer_id: str,
        store_id: str,
        plan: Plan,
        store: StoreCalendar,
        start: date,
        address_id: str,
        by: ChangeStamp,
        items: tuple[PlanItem, ...] | None = None,
        window: DeliveryWindow | None = None,
        instructions: str = "",
    ) -> Subscription:
        """A new subscription; its first delivery date must still be before the cut-off."""
        store.check_changeable(start, by.at, "subscription start")
        if not plan.frequency.delivers_within(start, RULE_CHECK_DAYS, store.holidays):
            rule = plan.frequency.describe()
            raise InvalidDeliveryRule(f"{rule} never delivers within a year of {start.isoformat()}")
        terms = DeliveryTerms(items or plan.items, address_id, window or plan.window, instructions)
        entry = HistoryEntry(ChangeKind.STARTED, by, f"plan {plan.plan_id} from {start.isoformat()}")
        return cls(subscription_id, customer_id, store_id, plan, store, start, terms, history=(entry,))

    # --- queries -------------------------------------------------------------------------------

    @property
    def ends_on(self) -> date:
        """The last day of the paid term(s): renewals extend it."""
        if self.plan.is_punch_card:
            starts = [self.start, *(r.term_start for r in self.renewals)]
            return max(self.plan.punch_card_last_day(s) for s in starts)
        return self.plan.term_last_day(self.start, terms=1 + len(self.renewals))

    @property
    def last_scheduled_day(self) -> date:
        """The last day a scheduled delivery may fall on (holiday shifts may land after it)."""
        if self.cancellation is not None:
            return min(self.ends_on, self.cancellation.effective - timedelta(days=1))
        return self.ends_on

    @property
    def punch_allowance(self) -> int | None:
        """A punch card's deliveries bought (renewals included) plus those given back; None otherwise."""
        if not self.plan.is_punch_card:
            return None
        assert self.plan.deliveries_included is not None
        return self.plan.deliveries_included * (1 + len(self.renewals)) + sum(r.count for r in self.returned_punches)

    def paused_on(self, day: date) -> bool:
        return any(p.covers(day) for p in self.pauses)

    def cancelled_on(self, day: date) -> bool:
        return self.cancellation is not None and day >= self.cancellation.effective

    def blocked(self, day: date) -> bool:
        """Nothing at all is delivered on ``day``: before the start, paused, skipped or cancelled."""
        return (
            day < self.start or self.paused_on(day) or self.cancelled_on(day) or any(s.day == day for s in self.skips)
        )

    def terms_on(self, day: date) -> DeliveryTerms:
        terms = self.terms
        for change in sorted(self.changes, key=lambda c: c.effective_from):  # stable: later record wins
            if change.effective_from <= day:
                terms = change.apply(terms)
        return terms

    def planned_between(self, first: date, last: date) -> list[PlannedDelivery]:
        return plan_between(self, first, last)

    def planned_on(self, day: date) -> PlannedDelivery | None:
        due = plan_between(self, day, day)
        return due[0] if due else None

    def remaining_deliveries(self, as_of: date) -> int:
        """The plan's deliveries still to come from ``as_of`` (inclusive) as things stand; extras not counted."""
        horizon = self.last_scheduled_day + timedelta(days=MAX_SHIFT_DAYS)
        return sum(p.plan_deliveries for p in plan_between(self, max(as_of, self.start), horizon))

    def punches_left(self, as_of: date) -> int | None:
        """A punch card's deliveries not yet used before ``as_of``; None for other plans."""
        allowance = self.punch_allowance
        if allowance is None:
            return None
        used = sum(p.plan_deliveries for p in plan_between(self, self.start, as_of - timedelta(days=1)))
        return allowance - used

    def status_on(self, day: date) -> SubscriptionStatus:
        if self.cancelled_on(day):
            return SubscriptionStatus.CANCELLED
        if day < self.start:
            return SubscriptionStatus.NOT_STARTED
        if self.paused_on(day):
            return SubscriptionStatus.PAUSED
        if day > self.ends_on or (self.plan.is_punch_card and self.remaining_deliveries(day) == 0):
            return SubscriptionStatus.ENDED
        return SubscriptionStatus.ACTIVE

    # --- commands ------------------------------------------------------------------------------

    def pause(self, first: date, last: date | None, *, by: ChangeStamp) -> Subscription:
        """No deliveries from ``first`` through ``last`` (None: until ``resume``). Ranges may not overlap."""
        self._check_open(first, by, "pause")
        pause = Pause(first, last, by)
        clash = next((p for p in self.pauses if p.overlaps(pause)), None)
        if clash is not None:
            raise PauseOverlaps(f"the pause {pause.describe()} overlaps the pause {clash.describe()}")
        return self._record(ChangeKind.PAUSED, by, f"paused {pause.describe()}", pauses=(*self.pauses, pause))

    def resume(self, on: date, *, by: ChangeStamp) -> Subscription:
        """Deliver again from ``on``: ends the pause running into it, or withdraws one starting on or after it."""
        self._check_open(on, by, "resume")
        current = next((p for p in self.pauses if p.covers(on)), None)
        if current is None:
            current = min((p for p in self.pauses if p.first > on), key=lambda p: p.first, default=None)
        if current is None:
            raise InvalidChange(f"there is no pause on or after {on.isoformat()} to resume from")
        rest = tuple(p for p in self.pauses if p is not current)
        if current.first >= on:
            return self._record(ChangeKind.RESUMED, by, f"pause {current.describe()} withdrawn", pauses=rest)
        shortened = Pause(current.first, on - timedelta(days=1), current.stamp)
        summary = f"resumed on {on.isoformat()} (pause now {shortened.describe()})"
        return self._record(ChangeKind.RESUMED, by, summary, pauses=(*rest, shortened))

    def skip(self, day: date, *, by: ChangeStamp, reason: str = "") -> Subscription:
        """Nothing on ``day`` (its extras included); refused when nothing is planned that day."""
        self._check_open(day, by, "skip")
        if self.planned_on(day) is None:
            raise NothingPlanned(f"no delivery is planned on {day.isoformat()}")
        skip = Skip(day, by, reason)
        return self._record(ChangeKind.SKIPPED, by, f"skipped {day.isoformat()}", skips=(*self.skips, skip))

    def add_extra(self, day: date, *, by: ChangeStamp, items: tuple[PlanItem, ...] | None = None) -> Subscription:
        """One more delivery on ``day`` (the day's current items unless given); joins that day's delivery."""
        self._check_open(day, by, "extra delivery")
        if self.paused_on(day) or any(s.day == day for s in self.skips):
            raise InvalidChange(f"{day.isoformat()} is paused or skipped; resume it before adding a delivery")
        extra = Extra(day, items or self.terms_on(day).items, by)
        return self._record(ChangeKind.EXTRA_ADDED, by, f"extra on {day.isoformat()}", extras=(*self.extras, extra))

    def change_terms(
        self,
        effective_from: date,
        *,
        by: ChangeStamp,
        items: tuple[PlanItem, ...] | None = None,
        address_id: str | None = None,
        window: DeliveryWindow | None = None,
        instructions: str | None = None,
    ) -> Subscription:
        """Change items, address, window or instructions from ``effective_from`` (a changeable date) on."""
        self._check_open(effective_from, by, "change")
        change = TermsChange(effective_from, by, items, address_id, window, instructions)
        change.apply(self.terms_on(effective_from))  # validates the result (items, address)
        summary = f"{', '.join(change.fields())} changed from {effective_from.isoformat()}"
        return self._record(ChangeKind.TERMS_CHANGED, by, summary, changes=(*self.changes, change))

    def cancel(self, effective: date, reason: str, *, by: ChangeStamp) -> Subscription:
        """No deliveries on or after ``effective``. The reason is kept for the churn report."""
        if self.cancellation is not None:
            raise SubscriptionClosed(f"the subscription is already cancelled from {self.cancellation.effective}")
        self._check_open(effective, by, "cancellation")
        cancellation = Cancellation(effective, reason, by)
        summary = f"cancelled from {effective.isoformat()}"
        return self._record(ChangeKind.CANCELLED, by, summary, cancellation=cancellation)

    def renew(self, *, by: ChangeStamp, automatic: bool = False) -> Subscription:
        """One more term (consent for automatic renewal is checked by billing before this is called)."""
        if self.cancellation is not None:
            raise SubscriptionClosed(f"the subscription is cancelled from {self.cancellation.effective.isoformat()}")
        if self.plan.is_punch_card:
            term_start = max(self.start, self.store.local_date(by.at))
        else:
            term_start = self.ends_on + timedelta(days=1)
        renewal = Renewal(term_start, by, automatic)
        summary = f"renewed{' automatically' if automatic else ''}: term from {term_start.isoformat()}"
        return self._record(ChangeKind.RENEWED, by, summary, renewals=(*self.renewals, renewal))

    def return_punch(self, day: date, reason: str, *, by: ChangeStamp) -> Subscription:
        """Give a punch card its delivery of ``day`` back (it failed and was not charged). Idempotent."""
        if not self.plan.is_punch_card:
            raise InvalidChange("only punch cards count deliveries to give back")
        if any(r.day == day for r in self.returned_punches):
            return self
        planned = self.planned_on(day)
        if planned is None or planned.plan_deliveries == 0:
            raise NothingPlanned(f"no delivery of the plan was planned on {day.isoformat()}")
        returned = ReturnedPunch(day, reason, by, count=planned.plan_deliveries)
        summary = f"{returned.count} deliveries of {day.isoformat()} given back"
        return self._record(ChangeKind.PUNCH_RETURNED, by, summary, returned_punches=(*self.returned_punches, returned))

    # --- internals -----------------------------------------------------------------------------

    def _check_open(self, day: date, by: ChangeStamp, what: str) -> None:
        if self.cancellation is not None and self.cancelled_on(day):
            raise SubscriptionClosed(f"the subscription is cancelled from {self.cancellation.effective.isoformat()}")
        if day < self.start:
            raise InvalidChange(f"a {what} cannot take effect before the start ({self.start.isoformat()})")
        self.store.check_changeable(day, by.at, what)

    def _record(self, kind: ChangeKind, by: ChangeStamp, summary: str, **facts: object) -> Subscription:
        entry = HistoryEntry(kind, by, summary)
        return replace(self, history=(*self.history, entry), **facts)  # type: ignore[arg-type]
