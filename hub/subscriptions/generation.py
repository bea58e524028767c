"""Tomorrow's deliveries, generated at the store's cut-off, exactly once per (subscription, business date). Pure.

The business date comes from the store's zone and cut-off (``StoreCalendar.generation_date``): a run
at 20:00 Shanghai time generates tomorrow, a run delayed to 00:30 generates the day that has just
begun. Each delivery carries the idempotency key ``(subscription_id, business_date)``; the database
enforces its uniqueness, and ``run_generation`` leaves out the keys that already exist, so a second
run for the same date creates nothing. Generation itself never changes a subscription.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime

from hub.subscriptions.errors import InvalidChange
from hub.subscriptions.planning import PlannedDelivery
from hub.subscriptions.plans import DeliveryWindow, PlanItem, items_amount_fen
from hub.subscriptions.schedule import Subscription
from hub.subscriptions.store_calendar import StoreCalendar


@dataclass(frozen=True, order=True)
class DeliveryKey:
    subscription_id: str
    business_date: date

    def as_text(self) -> str:
        """The key as one string, e.g. for billing's ``delivery_key`` or an outbox dedupe key."""
        return f"{self.subscription_id}/{self.business_date.isoformat()}"


@dataclass(frozen=True)
class GeneratedDelivery:
    key: DeliveryKey
    store_id: str
    customer_id: str
    address_id: str
    window: DeliveryWindow
    items: tuple[PlanItem, ...]
    instructions: str
    """Special instructions for the rider, e.g. 放门口保温箱."""
    plan_deliveries: int
    """The plan's deliveries it fulfils (a punch card's punches); 0 for an extra alone."""
    why: tuple[str, ...]

    @property
    def business_date(self) -> date:
        return self.key.business_date

    @property
    def amount_fen(self) -> int:
        """What billing charges once it is delivered."""
        return items_amount_fen(self.items)


@dataclass(frozen=True)
class GenerationRun:
    store_id: str
    business_date: date
    due: tuple[GeneratedDelivery, ...]
    """Everything due on the date, in key order (the same on every run)."""
    new: tuple[GeneratedDelivery, ...]
    """The deliveries whose keys did not exist yet: what this run inserts."""


def deliveries_due(subscriptions: Iterable[Subscription], business_date: date) -> list[GeneratedDelivery]:
    """The deliveries due on ``business_date``, one per subscription at most, in key order."""
    due: list[GeneratedDelivery] = []
    for sub in subscriptions:
        planned = sub.planned_on(business_date)
        if planned is not None:
            due.append(_generated(sub, planned))
    due.sort(key=lambda d: d.key)
    keys = [d.key for d in due]
    if len(set(keys)) != len(keys):
        raise InvalidChange("the same subscription was given twice to one generation run")
    return due


def run_generation(
    *,
    store_id: str,
    store: StoreCalendar,
    now: datetime,
    subscriptions: Iterable[Subscription],
    existing: Set[DeliveryKey] = frozenset(),
) -> GenerationRun:
    """One store's generation run at ``now``; ``existing`` holds the keys already generated."""
    business_date = store.generation_date(now)
    subs = list(subscriptions)
    strangers = [s.subscription_id for s in subs if s.store_id != store_id]
    if strangers:
        raise InvalidChange(f"subscriptions {', '.join(strangers)} do not belong to store {store_id}")
    due = deliveries_due(subs, business_date)
    new = tuple(d for d in due if d.key not in existing)
    return GenerationRun(store_id, business_date, tuple(due), new)


def _generated(sub: Subscription, planned: PlannedDelivery) -> GeneratedDelivery:
    return GeneratedDelivery(
        key=DeliveryKey(sub.subscription_id, planned.day),
        store_id=sub.store_id,
        customer_id=sub.customer_id,
        address_id=planned.address_id,
        window=planned.window,
        items=planned.items,
        instructions=planned.instructions,
        plan_deliveries=planned.plan_deliveries,
        why=planned.why,
    )
