"""Business days in a store's time zone, turned into UTC instants the database can compare. Pure.

"Dormant after 30 days" means 30 local calendar days: an order placed at 23:30 in Shanghai on
the 1st is on the 1st, although it is the 1st at 15:30 UTC. Every rule compares a UTC column
with an instant computed here, per zone, so the database needs no time-zone support.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
"""China Standard Time: the zone payment providers, bill exports and Chinese statements speak."""


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(zone(tz)).date()


def day_start(day: date, tz: str) -> datetime:
    """The UTC instant at which the local day begins."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def days_ago_start(now: datetime, tz: str, days: int) -> datetime:
    """The start of the local day ``days`` days before today (0: today's start)."""
    return day_start(local_today(now, tz) - timedelta(days=days), tz)


def not_since(now: datetime, tz: str, days: int) -> datetime:
    """Before this instant means "``days`` or more local days ago": last < not_since(now, tz, 30) is dormant."""
    return days_ago_start(now, tz, days - 1)


def birthday_on(day: date, month: int, dom: int) -> bool:
    """29 February birthdays are celebrated on 28 February in other years."""
    if (month, dom) == (2, 29) and not _leap(day.year):
        return (day.month, day.day) == (2, 28)
    return (day.month, day.day) == (month, dom)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
