"""Calendars and instants the service-desk tests share (Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from hub.kernel.holidays import PublicHolidays
from hub.kernel.opening_hours import OpeningHours, Shift

SH = ZoneInfo("Asia/Shanghai")
LUNCH = Shift(time(10, 0), time(14, 0))
DINNER = Shift(time(17, 0), time(21, 30))
RESTAURANT = OpeningHours(
    zone="Asia/Shanghai", weekly={d: (LUNCH, DINNER) for d in range(7)}, holidays=PublicHolidays()
)
"""Lunch 10:00-14:00 and dinner 17:00-21:30 every day; closed on public holidays."""
DEPOT_OFFICE = OpeningHours(
    zone="Asia/Shanghai",
    weekly={d: (Shift(time(9), time(12)), Shift(time(13), time(18))) for d in range(5)},
    holidays=PublicHolidays(),
)
"""A milk depot's office: weekdays 9-12 and 13-18, public holidays off, make-up days (调休) on."""


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)
