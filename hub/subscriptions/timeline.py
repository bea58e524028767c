"""The immutable facts a subscription's timeline is made of: who changed what, from when. Pure.

Date ranges are inclusive: a pause from 1 to 7 October delivers nothing on either day. Every fact
carries a ``ChangeStamp`` (who, when); the service layer stores them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from hub.subscriptions.errors import InvalidChange, InvalidPlan
from hub.subscriptions.plans import DeliveryWindow, PlanItem, check_items


@dataclass(frozen=True)
class ChangeStamp:
    actor: str
    """Who: e.g. ``customer:<id>``, ``staff:<id>``, ``system:auto-renew``. An id, never a name."""
    at: datetime
    """When, timezone-aware."""

    def __post_init__(self) -> None:
        if not self.actor.strip():
            raise InvalidChange("every change names who made it")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InvalidChange("a change's time must be timezone-aware")


@dataclass(frozen=True)
class DeliveryTerms:
    """What is delivered, where, when and how, from some date on."""

    items: tuple[PlanItem, ...]
    address_id: str
    window: DeliveryWindow
    instructions: str = ""
    """Shown to the rider, e.g. 放门口保温箱."""

    def __post_init__(self) -> None:
        check_items(self.items)
        if not self.address_id.strip():
            raise InvalidChange("a delivery needs an address")


@dataclass(frozen=True)
class TermsChange:
    """A change of items, address, window or instructions from ``effective_from`` on (None: unchanged)."""

    effective_from: date
    stamp: ChangeStamp
    items: tuple[PlanItem, ...] | None = None
    address_id: str | None = None
    window: DeliveryWindow | None = None
    instructions: str | None = None

    def __post_init__(self) -> None:
        if self.items is None and self.address_id is None and self.window is None and self.instructions is None:
            raise InvalidChange("a change must change the items, the address, the window or the instructions")
        if self.items is not None:
            _check_changed_items(self.items)

    def apply(self, terms: DeliveryTerms) -> DeliveryTerms:
        return replace(
            terms,
            items=terms.items if self.items is None else self.items,
            address_id=terms.address_id if self.address_id is None else self.address_id,
            window=terms.window if self.window is None else self.window,
            instructions=terms.instructions if self.instructions is None else self.instructions,
        )

    def fields(self) -> tuple[str, ...]:
        named = (("items", self.items), ("address", self.address_id), ("window", self.window))
        changed = tuple(name for name, value in named if value is not None)
        return (*changed, "instructions") if self.instructions is not None else changed


@dataclass(frozen=True)
class Pause:
    """No delivery from ``first`` through ``last`` (None: until resumed). A pause is not churn."""

    first: date
    last: date | None
    stamp: ChangeStamp

    def __post_init__(self) -> None:
        if self.last is not None and self.last < self.first:
            raise InvalidChange(f"a pause must end on or after its first day ({self.first} to {self.last})")

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)

    def overlaps(self, other: Pause) -> bool:
        return (other.last is None or self.first <= other.last) and (self.last is None or other.first <= self.last)

    def describe(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat() if self.last else 'further notice'}"


@dataclass(frozen=True)
class Skip:
    day: date
    stamp: ChangeStamp
    reason: str = ""


@dataclass(frozen=True)
class Extra:
    """An extra delivery on ``day`` (merged into that day's regular delivery when there is one)."""

    day: date
    items: tuple[PlanItem, ...]
    stamp: ChangeStamp

    def __post_init__(self) -> None:
        _check_changed_items(self.items)


@dataclass(frozen=True)
class Cancellation:
    """Nothing is delivered on or after ``effective``."""

    effective: date
    reason: str
    stamp: ChangeStamp

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InvalidChange("a cancellation needs a reason")


@dataclass(frozen=True)
class Renewal:
    """One more term: for a monthly or quarterly plan it starts the day after the paid term ends; a
    punch card gets ``deliveries_included`` more deliveries, valid from ``term_start``."""

    term_start: date
    stamp: ChangeStamp
    automatic: bool = False


@dataclass(frozen=True)
class ReturnedPunch:
    """A punch card delivery that failed and was not charged: the card gets the delivery back."""

    day: date
    reason: str
    stamp: ChangeStamp
    count: int = 1
    """The plan deliveries the failed delivery covered (more than one when holiday shifts merged them)."""


def _check_changed_items(items: tuple[PlanItem, ...]) -> None:
    try:
        check_items(items)
    except InvalidPlan as exc:
        raise InvalidChange(exc.detail) from exc


class ChangeKind(StrEnum):
    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    SKIPPED = "skipped"
    EXTRA_ADDED = "extra_added"
    TERMS_CHANGED = "terms_changed"
    CANCELLED = "cancelled"
    RENEWED = "renewed"
    PUNCH_RETURNED = "punch_returned"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the audit trail. ``summary`` holds dates, ids and field names, never personal text."""

    kind: ChangeKind
    stamp: ChangeStamp
    summary: str
