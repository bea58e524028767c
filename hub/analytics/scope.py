"""What a query covers: the caller's stores (role-scoped), the requested stores and local days.

Store managers see their own stores only; admin, operator, finance and marketer accounts see the
whole chain unless their account is tied to stores. Asking for a store outside one's scope is
refused (403), not silently emptied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hub.analytics.errors import BadAnalyticsQuery
from hub.errors import Forbidden
from hub.kernel.principal import Principal

MAX_DAYS = 3 * 366
EARLIEST, LATEST = date(1970, 1, 2), date(9000, 12, 31)


@dataclass(frozen=True)
class Scope:
    store_ids: tuple[str, ...] | None
    """None: every store."""
    day_from: date
    day_to: date
    """Both inclusive, each store's own local calendar days."""

    @property
    def days(self) -> list[date]:
        return [self.day_from + timedelta(days=i) for i in range((self.day_to - self.day_from).days + 1)]


def resolve_scope(principal: Principal, store_ids: list[str] | None, day_from: date, day_to: date) -> Scope:
    for day in (day_from, day_to):
        if not EARLIEST <= day <= LATEST:
            raise BadAnalyticsQuery(f"{day} is outside {EARLIEST} .. {LATEST}")
    if day_to < day_from:
        raise BadAnalyticsQuery(f"date_to {day_to} is before date_from {day_from}")
    if (day_to - day_from).days >= MAX_DAYS:
        raise BadAnalyticsQuery(f"a query covers at most {MAX_DAYS} days")
    requested = sorted(set(store_ids)) if store_ids else None
    allowed = principal.store_ids
    if allowed is None:
        return Scope(tuple(requested) if requested else None, day_from, day_to)
    if requested is None:
        return Scope(tuple(sorted(allowed)), day_from, day_to)
    outside = [s for s in requested if s not in allowed]
    if outside:
        raise Forbidden(f"store {outside[0]} is not one of your stores")
    return Scope(tuple(requested), day_from, day_to)
