"""A store's business calendar for subscriptions: its zone, its daily cut-off and its holidays. Pure.

At the cut-off (e.g. 20:00 local) tomorrow's deliveries are generated and tomorrow is frozen: from
then on changes for it are refused. Today is always frozen (it was generated yesterday). So before
the cut-off the first changeable date is tomorrow; from the cut-off on it is the day after.

Business dates are local calendar dates in the store's zone: 2026-02-13 16:30 UTC is already
00:30 on 14 February in Shanghai. All instants must be timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hub.kernel.holidays import PublicHolidays
from hub.subscriptions.errors import DateFrozen, InvalidChange

DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidChange("instants must be timezone-aware (UTC in storage)")
    return now


@dataclass(frozen=True)
class StoreCalendar:
    zone: str = DEFAULT_ZONE
    cutoff: time = time(20, 0)
    """Local wall-clock time of the daily cut-off."""
    holidays: PublicHolidays = field(default_factory=PublicHolidays)

    def __post_init__(self) -> None:
        try:
            _zone(self.zone)  # an unknown zone fails here, not at the first cut-off
        except (ValueError, KeyError) as exc:
            raise InvalidChange(f"unknown time zone {self.zone!r}") from exc
        if self.cutoff.tzinfo is not None:
            raise InvalidChange("the cut-off is wall-clock time in the store's zone, without tzinfo")

    def local_date(self, now: datetime) -> date:
        return _aware(now).astimezone(_zone(self.zone)).date()

    def past_cutoff(self, now: datetime) -> bool:
        local = _aware(now).astimezone(_zone(self.zone))
        return local.time().replace(tzinfo=None) >= self.cutoff

    def first_changeable(self, now: datetime) -> date:
        """The first business date whose deliveries may still change at ``now``."""
        today = self.local_date(now)
        return today + timedelta(days=2 if self.past_cutoff(now) else 1)

    def generation_date(self, now: datetime) -> date:
        """The business date a generation run at ``now`` produces: the latest frozen date.

        At or after the cut-off that is tomorrow; before it (a run delayed past midnight) it is today.
        """
        return self.first_changeable(now) - timedelta(days=1)

    def is_frozen(self, day: date, now: datetime) -> bool:
        return day < self.first_changeable(now)

    def check_changeable(self, day: date, now: datetime, what: str = "change") -> None:
        first = self.first_changeable(now)
        if day < first:
            raise DateFrozen(
                f"{day.isoformat()} is past the store's cut-off ({self.cutoff:%H:%M} {self.zone}); "
                f"the first date a {what} can still take effect is {first.isoformat()}",
                first_changeable=first.isoformat(),
            )


def business_date_frozen(day: date, *, now: datetime, store_zone: str, cutoff: time) -> bool:
    """True when ``day`` can no longer change at ``now`` under the store's cut-off."""
    return StoreCalendar(zone=store_zone, cutoff=cutoff).is_frozen(day, now)


def first_changeable_date(now: datetime, store_zone: str, cutoff: time) -> date:
    return StoreCalendar(zone=store_zone, cutoff=cutoff).first_changeable(now)
