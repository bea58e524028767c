"""What a plan does with a delivery that falls on a public holiday. Pure.

``DELIVER``: as usual. ``SKIP``: no delivery that day; nothing is charged and a punch card keeps the
punch. ``SHIFT``: the delivery moves to the next working day of the official calendar (a make-up
Saturday counts; weekends and further holidays are passed over). When that day already has a
delivery (its own, or another shifted one: a daily plan over Spring Festival shifts nine), the
``merge`` rule decides:

- ``ADD_QUANTITIES`` (default): one delivery carrying the items of every delivery it covers, charged
  for all of them; a punch card uses one punch per covered delivery.
- ``ONE_DELIVERY``: one delivery at normal quantities; the other deliveries it would cover are
  dropped, not charged, and a punch card keeps their punches.

Only public holidays trigger the policy: an ordinary weekend is governed by the frequency alone, and
make-up working days are ordinary working days (use the ``WORKING_DAYS`` frequency to deliver on them).
An extra delivery the customer asked for on a holiday is not moved: they chose the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from hub.kernel.holidays import PublicHolidays

MAX_SHIFT_DAYS = 31
"""A delivery is never shifted further than this; beyond it (a calendar without working days) it is dropped."""


class HolidayHandling(StrEnum):
    DELIVER = "deliver"
    SKIP = "skip"
    SHIFT = "shift"


class ShiftMerge(StrEnum):
    ADD_QUANTITIES = "add_quantities"
    ONE_DELIVERY = "one_delivery"


@dataclass(frozen=True)
class HolidayPolicy:
    handling: HolidayHandling = HolidayHandling.DELIVER
    merge: ShiftMerge = ShiftMerge.ADD_QUANTITIES

    @classmethod
    def deliver(cls) -> HolidayPolicy:
        return cls(HolidayHandling.DELIVER)

    @classmethod
    def skip(cls) -> HolidayPolicy:
        return cls(HolidayHandling.SKIP)

    @classmethod
    def shift(cls, merge: ShiftMerge = ShiftMerge.ADD_QUANTITIES) -> HolidayPolicy:
        return cls(HolidayHandling.SHIFT, merge)

    def target(self, day: date, calendar: PublicHolidays) -> date | None:
        """The day a delivery scheduled on ``day`` happens, or None when it does not happen."""
        if self.handling is HolidayHandling.DELIVER or not is_public_holiday(calendar, day):
            return day
        if self.handling is HolidayHandling.SKIP:
            return None
        return next_working_day(day, calendar)


def next_working_day(day: date, calendar: PublicHolidays) -> date | None:
    """The first working day after ``day`` (make-up weekend days included), within ``MAX_SHIFT_DAYS``."""
    for n in range(1, MAX_SHIFT_DAYS + 1):
        candidate = day + timedelta(days=n)
        if is_workday(calendar, candidate) and not is_public_holiday(calendar, candidate):
            return candidate
    return None


@lru_cache(maxsize=16384)
def is_workday(calendar: PublicHolidays, day: date) -> bool:
    """``calendar.is_workday``, remembered: chinese-calendar scans its whole table on every call."""
    return calendar.is_workday(day)


@lru_cache(maxsize=16384)
def is_public_holiday(calendar: PublicHolidays, day: date) -> bool:
    return calendar.is_public_holiday(day)
