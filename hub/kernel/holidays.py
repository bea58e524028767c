"""Public holidays and make-up working days (调休), from ``chinese-calendar`` plus local overrides.

The State Council publishes each year's holidays late in the previous year, so the package only
knows the years it was released with. For other years the fixed-date statutory holidays (元旦
1 January, 劳动节 1-2 May, 国庆节 1-3 October) are closed and every other weekday is a working day,
unless the business configured it otherwise (the lunar holidays and their make-up days must be
added by hand until the package knows the year); ``known`` tells which case applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import chinese_calendar

FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})
"""(month, day) of the statutory holidays whose date never moves, for years the package lacks."""


@dataclass(frozen=True)
class PublicHolidays:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    """Closed days the business adds (a local festival, a year the package does not know yet)."""
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    """Working days the business adds (a make-up Saturday of a year the package does not know)."""

    @classmethod
    def with_overrides(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> PublicHolidays:
        return cls(extra_holidays=frozenset(holidays), extra_workdays=frozenset(workdays))

    def known(self, day: date) -> bool:
        """True when the official calendar for this day's year is known (or the day is overridden)."""
        if day in self.extra_holidays or day in self.extra_workdays:
            return True
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS

    def is_public_holiday(self, day: date) -> bool:
        """A statutory holiday (or one the business added), not merely a weekend."""
        if day in self.extra_holidays:
            return True
        if day in self.extra_workdays:
            return False
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return (day.month, day.day) in FIXED_DATE_HOLIDAYS
        return bool(on_holiday and name is not None)

    def is_makeup_workday(self, day: date) -> bool:
        """A Saturday or Sunday that is a working day (调休上班)."""
        return day.weekday() >= 5 and self.is_workday(day)
