"""What a depot sells: monthly, quarterly and punch-card plans. Pure.

Money is integer fen. ``Plan.price_fen`` is the price of one term (what a purchase or a renewal
tops up); each delivery is charged from the prepaid balance when it is delivered, at the items'
``unit_price_fen`` (so a quantity change changes the charge, and a skipped day costs nothing).
A monthly plan's term runs from its start date for one calendar month (31 January -> 27 February
inclusive, the next term from 28 February), a quarterly plan's for three; a punch card's term is
its ``deliveries_included`` deliveries, to be used within ``valid_days`` days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from hub.subscriptions.errors import InvalidPlan
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.holiday_policy import HolidayPolicy


class PlanKind(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    PUNCH_CARD = "punch_card"


TERM_MONTHS = {PlanKind.MONTHLY: 1, PlanKind.QUARTERLY: 3}


@dataclass(frozen=True)
class PlanItem:
    """One product line of every delivery, e.g. 2 x 鲜牛奶 250 ml."""

    sku: str
    name: str
    quantity: int
    unit_price_fen: int = 0
    """Charged per unit per delivery; 0 for an item included at no charge."""

    def __post_init__(self) -> None:
        if not self.sku.strip() or not self.name.strip():
            raise InvalidPlan("an item needs a sku and a name")
        if self.quantity <= 0:
            raise InvalidPlan(f"quantity of {self.sku} must be at least 1 (got {self.quantity})")
        if self.unit_price_fen < 0:
            raise InvalidPlan(f"unit price of {self.sku} must not be negative")

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


def items_amount_fen(items: tuple[PlanItem, ...]) -> int:
    return sum(item.amount_fen for item in items)


def check_items(items: tuple[PlanItem, ...]) -> None:
    if not items:
        raise InvalidPlan("a delivery needs at least one item")
    skus = [item.sku for item in items]
    if len(set(skus)) != len(skus):
        raise InvalidPlan("each sku appears once per delivery; raise its quantity instead")


@dataclass(frozen=True)
class DeliveryWindow:
    """Wall-clock times in the store's zone, e.g. 06:00-08:00; ``end`` exclusive, same day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidPlan("a delivery window is wall-clock time in the store's zone, without tzinfo")
        if self.end <= self.start:
            raise InvalidPlan(f"a delivery window must end after it starts ({self.start}-{self.end})")

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class RenewalTerms:
    auto_renew_offered: bool = True
    """Whether the customer may opt in to automatic renewal (it still needs their recorded consent)."""
    renewal_price_fen: int | None = None
    """None: the plan's price."""
    remind_days_before: int = 3
    """The expiring-plan reminder goes out this many days before the term's last day."""
    prepaid_valid_days: int | None = None
    """Days a top-up stays spendable (None: it never expires); the unspent rest then expires."""

    def __post_init__(self) -> None:
        if self.renewal_price_fen is not None and self.renewal_price_fen < 0:
            raise InvalidPlan("a renewal price must not be negative")
        if self.remind_days_before < 0:
            raise InvalidPlan("remind_days_before must not be negative")
        if self.prepaid_valid_days is not None and self.prepaid_valid_days <= 0:
            raise InvalidPlan("prepaid_valid_days must be positive (or None: no expiry)")


@dataclass(frozen=True)
class Plan:
    plan_id: str
    name: str
    kind: PlanKind
    price_fen: int
    items: tuple[PlanItem, ...]
    frequency: Frequency
    window: DeliveryWindow
    holiday_policy: HolidayPolicy = field(default_factory=HolidayPolicy)
    renewal: RenewalTerms = field(default_factory=RenewalTerms)
    deliveries_included: int | None = None
    """Punch cards only: the number of deliveries the card buys."""
    valid_days: int | None = None
    """Punch cards only: the days (from the start or the latest renewal) within which it is used."""
    currency: str = "CNY"

    def __post_init__(self) -> None:
        check_items(self.items)
        if self.price_fen < 0:
            raise InvalidPlan("a plan's price must not be negative")
        if self.kind is PlanKind.PUNCH_CARD:
            if not self.deliveries_included or self.deliveries_included <= 0:
                raise InvalidPlan("a punch card needs deliveries_included of at least 1")
            if not self.valid_days or self.valid_days <= 0:
                raise InvalidPlan("a punch card needs valid_days (how long it may be used)")
        elif self.deliveries_included is not None or self.valid_days is not None:
            raise InvalidPlan("deliveries_included and valid_days apply to punch cards only")

    @property
    def is_punch_card(self) -> bool:
        return self.kind is PlanKind.PUNCH_CARD

    @property
    def delivery_amount_fen(self) -> int:
        """What one delivery of the plan's own items costs."""
        return items_amount_fen(self.items)

    @property
    def renewal_price_fen(self) -> int:
        terms = self.renewal.renewal_price_fen
        return self.price_fen if terms is None else terms

    def term_last_day(self, start: date, terms: int = 1) -> date:
        """The last day (inclusive) of ``terms`` consecutive monthly or quarterly terms from ``start``.

        A punch card's validity is counted from its own (re)start: ``punch_card_last_day``.
        """
        if self.kind is PlanKind.PUNCH_CARD:
            return self.punch_card_last_day(start)
        after: date = start + relativedelta(months=TERM_MONTHS[self.kind] * terms)
        return after - timedelta(days=1)

    def punch_card_last_day(self, since: date) -> date:
        assert self.valid_days is not None
        return since + timedelta(days=self.valid_days - 1)
