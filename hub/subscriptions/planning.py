"""From a subscription's timeline to the deliveries due on each date. Pure.

The order of the rules, per scheduled date of the frequency:

1. a date that is paused, skipped, before the start, after the paid term or on/after the
   cancellation is dropped (a punch card keeps the punch);
2. the holiday policy delivers, drops (skip) or moves it (shift) to the next working day;
3. a target date that is itself paused, skipped or cancelled is dropped as well, so a paused date
   never has a delivery;
4. deliveries landing on one date are merged as the holiday policy says; a punch card stops when
   its deliveries are used up (each covered scheduled date uses one);
5. extras of a date that is not paused, skipped or cancelled join that date's delivery (or make one).

The items, address, window and instructions are those in effect on the delivery's own date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from hub.subscriptions.holiday_policy import MAX_SHIFT_DAYS, HolidayHandling, ShiftMerge, is_public_holiday
from hub.subscriptions.plans import DeliveryWindow, PlanItem, items_amount_fen
from hub.subscriptions.timeline import Extra

if TYPE_CHECKING:
    from hub.subscriptions.schedule import Subscription


@dataclass(frozen=True)
class PlannedDelivery:
    """What is due on ``day`` for one subscription: the input of generation, pick lists and charges."""

    day: date
    items: tuple[PlanItem, ...]
    address_id: str
    window: DeliveryWindow
    instructions: str
    covers: tuple[date, ...]
    """The scheduled dates this delivery fulfils: its own, and holiday dates shifted onto it."""
    extras: int
    """Extra deliveries merged into it (not part of the plan's count)."""
    why: tuple[str, ...]

    @property
    def amount_fen(self) -> int:
        """What the delivery costs when delivered (plan items of every covered date, plus extras)."""
        return items_amount_fen(self.items)

    @property
    def plan_deliveries(self) -> int:
        """How many of the plan's deliveries it uses (a punch card's punches)."""
        return len(self.covers)


def plan_between(sub: Subscription, first: date, last: date) -> list[PlannedDelivery]:
    """Every delivery due from ``first`` through ``last`` (inclusive), in date order."""
    if last < first:
        return []
    sources = _scheduled_by_target(sub, first, last)
    extras: dict[date, list[Extra]] = defaultdict(list)
    for extra in sub.extras:
        if first <= extra.day <= last and not sub.blocked(extra.day):
            extras[extra.day].append(extra)
    allowance = sub.punch_allowance
    used = 0
    planned: list[PlannedDelivery] = []
    for day in sorted(set(sources) | set(extras)):
        scheduled = sources.get(day, [])
        merged = _merge(day, scheduled, sub)
        covers = merged if allowance is None else merged[: max(allowance - used, 0)]
        used += len(covers)
        if not first <= day <= last or (not covers and not extras.get(day)):
            continue
        planned.append(_delivery(sub, day, covers, extras.get(day, []), dropped=len(scheduled) - len(merged)))
    return planned


def _scheduled_by_target(sub: Subscription, first: date, last: date) -> dict[date, list[date]]:
    """Target date -> the scheduled dates delivered on it (before ``first`` too, for punch counting)."""
    calendar = sub.store.holidays
    policy = sub.plan.holiday_policy
    scan_to = min(last, sub.last_scheduled_day)
    if sub.plan.is_punch_card:
        days = sub.plan.frequency.dates(sub.start, sub.start, scan_to, calendar)
    else:
        days = _shifted_in(sub, first, scan_to) + sub.plan.frequency.dates(sub.start, first, scan_to, calendar)
    by_target: dict[date, list[date]] = defaultdict(list)
    for day in days:
        if sub.blocked(day):
            continue
        target = policy.target(day, calendar)
        if target is None or sub.blocked(target):
            continue
        by_target[target].append(day)
    return by_target


def _shifted_in(sub: Subscription, first: date, scan_to: date) -> list[date]:
    """Scheduled dates before ``first`` that may land on or after it: only public holidays moved by SHIFT
    (any other date is delivered on itself or not at all). Saves scanning a month back per query."""
    if sub.plan.holiday_policy.handling is not HolidayHandling.SHIFT:
        return []
    calendar = sub.store.holidays
    since = max(sub.start, first - timedelta(days=MAX_SHIFT_DAYS))
    days = (since + timedelta(days=n) for n in range((min(first, scan_to + timedelta(days=1)) - since).days))
    return [d for d in days if is_public_holiday(calendar, d) and sub.plan.frequency.occurs_on(sub.start, d, calendar)]


def _merge(day: date, scheduled: list[date], sub: Subscription) -> list[date]:
    scheduled = sorted(scheduled)
    if len(scheduled) > 1 and sub.plan.holiday_policy.merge is ShiftMerge.ONE_DELIVERY:
        return [day] if day in scheduled else scheduled[:1]
    return scheduled


def _delivery(sub: Subscription, day: date, covers: list[date], extras: list[Extra], dropped: int) -> PlannedDelivery:
    terms = sub.terms_on(day)
    quantities: dict[tuple[str, int], PlanItem] = {}
    lines = [(item, len(covers)) for item in terms.items] if covers else []
    lines += [(item, 1) for extra in extras for item in extra.items]
    for item, times in lines:
        key = (item.sku, item.unit_price_fen)
        before = quantities[key].quantity if key in quantities else 0
        quantities[key] = PlanItem(item.sku, item.name, before + item.quantity * times, item.unit_price_fen)
    return PlannedDelivery(
        day=day,
        items=tuple(quantities.values()),
        address_id=terms.address_id,
        window=terms.window,
        instructions=terms.instructions,
        covers=tuple(covers),
        extras=len(extras),
        why=_why(sub, day, covers, extras, dropped),
    )


def _why(sub: Subscription, day: date, covers: list[date], extras: list[Extra], dropped: int) -> tuple[str, ...]:
    reasons: list[str] = []
    if day in covers:
        reasons.append(f"scheduled ({sub.plan.frequency.describe()})")
    shifted = [d for d in covers if d != day]
    if shifted:
        dates = ", ".join(d.isoformat() for d in shifted)
        reasons.append(f"shifted from public holiday {dates} to the next working day")
    if sub.plan.holiday_policy.handling is HolidayHandling.SHIFT and len(covers) > 1:
        reasons.append(f"{len(covers)} deliveries merged, quantities added up")
    if dropped > 0:
        reasons.append(f"{dropped} shifted deliveries merged into this one at normal quantities (not charged)")
    reasons.extend(f"extra delivery added by {extra.stamp.actor}" for extra in extras)
    return tuple(reasons)
