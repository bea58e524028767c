"""Opening hours on a business calendar: split shifts, closed days, public holidays. Pure.

Used for SLA clocks ("first response within 15 business minutes") and anything else that counts
only the time a store is open. Hours are wall-clock times in the store's zone; the results are
timezone-aware UTC. A make-up working day (调休) on a weekend opens with the hours of
``makeup_day_hours_of`` (Monday by default); a public holiday is closed unless configured otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.kernel.holidays import PublicHolidays

MAX_DAYS_SEARCHED = 400
"""A deadline further than this in calendar days means the calendar has no open hours at all."""


class CalendarError(ValueError):
    """Opening hours that cannot be used (no open time, overlapping shifts, naive datetimes)."""


@dataclass(frozen=True)
class Shift:
    start: time
    end: time
    """Exclusive; ``time(0, 0)`` means midnight at the end of the day."""

    def bounds(self) -> tuple[timedelta, timedelta]:
        start = timedelta(hours=self.start.hour, minutes=self.start.minute, seconds=self.start.second)
        end = timedelta(hours=self.end.hour, minutes=self.end.minute, seconds=self.end.second)
        if end == timedelta(0):
            end = timedelta(days=1)
        if end <= start:
            raise CalendarError(f"a shift must end after it starts ({self.start}-{self.end})")
        return start, end


@dataclass(frozen=True)
class OpeningHours:
    zone: str
    weekly: Mapping[int, Sequence[Shift]]
    """Weekday (0 = Monday) -> shifts of that day, e.g. lunch and dinner."""
    holidays: PublicHolidays | None = None
    """None: public holidays are ordinary days. Otherwise holidays close and make-up days open."""
    holiday_shifts: Sequence[Shift] = ()
    """Hours on a public holiday (empty: closed)."""
    makeup_day_hours_of: int = 0
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for shifts in (*self.weekly.values(), self.holiday_shifts):
            spans = sorted(s.bounds() for s in shifts)
            for (_, end), (start, _) in itertools.pairwise(spans):
                if start < end:
                    raise CalendarError("shifts of one day overlap")
        if not any(self.weekly.values()) and not self.holiday_shifts:
            raise CalendarError("the store is never open")

    def shifts_on(self, day: date) -> Sequence[Shift]:
        if day in self.closed_dates:
            return ()
        if self.holidays is not None:
            if self.holidays.is_public_holiday(day):
                return self.holiday_shifts
            if self.holidays.is_makeup_workday(day):
                return self.weekly.get(self.makeup_day_hours_of, ())
        return self.weekly.get(day.weekday(), ())

    def open_spans(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals (UTC) within [start, end), in order."""
        _aware(start, end)
        zone = ZoneInfo(self.zone)
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        while day <= last:
            for shift in self.shifts_on(day):
                lo, hi = shift.bounds()
                midnight = datetime.combine(day, time(0), tzinfo=zone)
                open_at = (midnight + lo).astimezone(UTC)
                close_at = (midnight + hi).astimezone(UTC)
                s, e = max(open_at, start), min(close_at, end)
                if s < e:
                    yield s, e
            day += timedelta(days=1)

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time in [start, end); zero when end <= start."""
        if end <= start:
            return timedelta(0)
        return sum((e - s for s, e in self.open_spans(start, end)), timedelta(0))

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of open time has passed since ``start`` (UTC)."""
        _aware(start)
        if duration < timedelta(0):
            raise CalendarError("a duration cannot be negative")
        left = duration
        cursor = start.astimezone(UTC)
        for _ in range(MAX_DAYS_SEARCHED // 7 + 1):
            window_end = cursor + timedelta(days=7)
            for s, e in self.open_spans(cursor, window_end):
                if left <= e - s:
                    return s + left
                left -= e - s
            cursor = window_end
        raise CalendarError(f"no open time within {MAX_DAYS_SEARCHED} days")

    def is_open(self, at: datetime) -> bool:
        return any(True for _ in self.open_spans(at, at + timedelta(microseconds=1)))


def _aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise CalendarError("times must be timezone-aware")
