"""Who a rule targets now, as SQL over ``customer_stats``: trigger, audience and period key.

Business days are the customer's home-store zone's: each condition is written per zone with
the UTC instants of that zone's local day boundaries (``hub.kernel.business_days``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, literal, or_, true

from hub.crm.api import CustomerProfile, CustomerStats, CustomerTag
from hub.customers.api import Customer
from hub.db_types import UTCDateTime
from hub.kernel.business_days import birthday_on, days_ago_start, local_today, not_since
from hub.marketing.rules import (
    Audience,
    BirthdayParams,
    FirstOrderParams,
    RepurchaseParams,
    Trigger,
    WinbackParams,
    parse_params,
)

stats = CustomerStats.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]
profiles = CustomerProfile.__table__  # type: ignore[attr-defined]
tags = CustomerTag.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Targeting:
    condition: ColumnElement[bool]
    period: ColumnElement[str]
    needs_profile: bool = False


def _at(moment: datetime) -> ColumnElement[Any]:
    return literal(moment, UTCDateTime)


def per_zone(zones: Sequence[str], default_tz: str, build: Callable[[str], ColumnElement[bool]]) -> ColumnElement[bool]:
    """``build(zone)`` for each customer's zone; zones not listed are treated as the default."""
    listed = sorted(set(zones) | {default_tz})
    return or_(
        *[and_(stats.c.timezone == tz, build(tz)) for tz in listed],
        and_(stats.c.timezone.not_in(listed), build(default_tz)),
    )


def orders_period() -> ColumnElement[str]:
    """One action per order count: a new order starts a new period (a new dormant spell)."""
    return literal("n:", String) + cast(stats.c.orders_count, String)


def scheduled_targeting(
    trigger: Trigger, raw_params: dict[str, Any], *, now: datetime, zones: Sequence[str], default_tz: str
) -> Targeting:
    params = parse_params(trigger, raw_params)
    if trigger is Trigger.FIRST_ORDER:
        assert isinstance(params, FirstOrderParams)
        after, back = params.after_days, params.lookback_days

        def first(tz: str) -> ColumnElement[bool]:
            return and_(
                stats.c.first_order_at < _at(days_ago_start(now, tz, after - 1)),
                stats.c.first_order_at >= _at(days_ago_start(now, tz, after + back - 1)),
            )

        return Targeting(per_zone(zones, default_tz, first), literal("first", String))
    if trigger is Trigger.BIRTHDAY:
        assert isinstance(params, BirthdayParams)
        ahead = params.days_before

        def birthday(tz: str) -> ColumnElement[bool]:
            day = local_today(now, tz) + timedelta(days=ahead)
            dates = {(day.month, day.day)} | ({(2, 29)} if birthday_on(day, 2, 29) else set())
            return or_(*[and_(profiles.c.birth_month == m, profiles.c.birth_day == d) for m, d in sorted(dates)])

        year = local_today(now, default_tz).year
        return Targeting(per_zone(zones, default_tz, birthday), literal(f"y:{year}", String), needs_profile=True)
    if trigger is Trigger.WINBACK:
        assert isinstance(params, WinbackParams)
        days, max_days = params.days, params.max_days

        def dormant(tz: str) -> ColumnElement[bool]:
            cond: ColumnElement[bool] = stats.c.last_order_at < _at(not_since(now, tz, days))
            if max_days is not None:
                cond = and_(cond, stats.c.last_order_at >= _at(not_since(now, tz, max_days + 1)))
            return cond

        return Targeting(and_(stats.c.orders_count > 0, per_zone(zones, default_tz, dormant)), orders_period())
    if trigger is Trigger.REPURCHASE_DUE:
        assert isinstance(params, RepurchaseParams)
        return Targeting(
            and_(
                stats.c.purchase_days >= 2,
                stats.c.predicted_next_at < _at(now),
                stats.c.predicted_next_at >= _at(now - timedelta(days=params.grace_days)),
            ),
            orders_period(),
        )
    raise ValueError(f"{trigger} is not a scheduled trigger")


def audience_condition(audience: Audience) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if audience.segments:
        conds.append(stats.c.segment.in_([s.value for s in audience.segments]))
    if audience.lifecycles:
        conds.append(stats.c.lifecycle.in_([s.value for s in audience.lifecycles]))
    if audience.tiers:
        conds.append(stats.c.tier.in_(audience.tiers))
    if audience.tags_any:
        conds.append(exists().where(tags.c.customer_id == stats.c.customer_id, tags.c.tag.in_(audience.tags_any)))
    if audience.home_store_ids:
        conds.append(customers.c.home_store_id.in_(audience.home_store_ids))
    if audience.min_orders is not None:
        conds.append(stats.c.purchase_days >= audience.min_orders)
    if audience.max_orders is not None:
        conds.append(stats.c.purchase_days <= audience.max_orders)
    return and_(true(), *conds)


def reachable() -> ColumnElement[bool]:
    """Never merged away, never erased."""
    return and_(customers.c.merged_into_id.is_(None), customers.c.anonymised_at.is_(None))
