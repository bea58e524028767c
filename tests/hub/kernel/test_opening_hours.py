"""Open-time arithmetic across lunch breaks, nights, weekends, public holidays and make-up days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.kernel.holidays import PublicHolidays
from hub.kernel.opening_hours import CalendarError, OpeningHours, Shift

SH = ZoneInfo("Asia/Shanghai")
LUNCH = Shift(time(10, 0), time(14, 0))
DINNER = Shift(time(17, 0), time(21, 30))
RESTAURANT = OpeningHours(
    zone="Asia/Shanghai", weekly={d: (LUNCH, DINNER) for d in range(7)}, holidays=PublicHolidays()
)
OFFICE = OpeningHours(
    zone="Asia/Shanghai",
    weekly={d: (Shift(time(9), time(12)), Shift(time(13), time(18))) for d in range(5)},
    holidays=PublicHolidays(),
)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def test_a_complaint_just_before_the_lunch_break_is_due_after_it() -> None:
    due = RESTAURANT.add_open_time(sh(2026, 12, 2, 13, 55), timedelta(minutes=15))
    assert due == sh(2026, 12, 2, 17, 10)


def test_a_complaint_at_night_is_due_the_next_morning() -> None:
    due = RESTAURANT.add_open_time(sh(2026, 12, 2, 23, 40), timedelta(hours=1))
    assert due == sh(2026, 12, 3, 11, 0)


def test_national_day_is_closed_and_a_makeup_saturday_opens_like_a_monday() -> None:
    # 2026-09-30 (Wed) 17:30, 2 h of office time: 30 min that day, then 1-7 October are holidays.
    due = OFFICE.add_open_time(sh(2026, 9, 30, 17, 30), timedelta(hours=2))
    assert due == sh(2026, 10, 8, 10, 30)
    # 2026-09-20 is a Sunday worked in lieu (调休): the office opens on it.
    assert OFFICE.is_open(sh(2026, 9, 20, 10, 0))
    assert not OFFICE.is_open(sh(2026, 9, 13, 10, 0))  # an ordinary Sunday


def test_spring_festival_shifts_the_office_week() -> None:
    # 2026-02-14 (Sat) is a make-up working day; 15-23 February are the holiday.
    assert OFFICE.is_open(sh(2026, 2, 14, 9, 30))
    due = OFFICE.add_open_time(sh(2026, 2, 14, 17, 0), timedelta(hours=2))
    assert due == sh(2026, 2, 24, 10, 0)


def test_a_year_the_package_does_not_know_still_closes_new_years_day() -> None:
    holidays = PublicHolidays()
    assert not holidays.known(date(2027, 1, 1))
    assert OFFICE.add_open_time(sh(2026, 12, 31, 17, 30), timedelta(hours=1)) == sh(2027, 1, 4, 9, 30)


def test_bad_calendars_and_naive_times_are_refused() -> None:
    with pytest.raises(CalendarError, match="overlap"):
        OpeningHours(zone="Asia/Shanghai", weekly={0: (Shift(time(9), time(12)), Shift(time(11), time(13)))})
    with pytest.raises(CalendarError, match="never open"):
        OpeningHours(zone="Asia/Shanghai", weekly={})
    with pytest.raises(CalendarError, match="timezone-aware"):
        RESTAURANT.add_open_time(datetime(2026, 1, 1, 12), timedelta(minutes=1))


instants = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC))
durations = st.integers(min_value=0, max_value=60 * 24 * 14).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from([RESTAURANT, OFFICE])


@settings(max_examples=150, deadline=None)
@given(calendars, instants, durations)
def test_the_open_time_until_the_deadline_is_the_duration(hours: OpeningHours, start: datetime, d: timedelta) -> None:
    due = hours.add_open_time(start, d)
    assert due >= start
    assert hours.open_time_between(start, due) == d
    if d > timedelta(0):
        assert hours.is_open(due - timedelta(microseconds=1))  # the clock only runs while open


@settings(max_examples=150, deadline=None)
@given(calendars, instants, instants, instants)
def test_open_time_adds_up_over_consecutive_intervals(
    hours: OpeningHours, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert hours.open_time_between(a, c) == hours.open_time_between(a, b) + hours.open_time_between(b, c)
    assert hours.open_time_between(a, c) <= c - a
