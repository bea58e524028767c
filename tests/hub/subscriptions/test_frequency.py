"""Delivery rules -> dates, with the official calendar's holidays and make-up working days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.kernel.holidays import PublicHolidays
from hub.subscriptions.errors import InvalidDeliveryRule
from hub.subscriptions.frequency import Frequency

CAL = PublicHolidays()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_daily_never_delivers_before_the_start() -> None:
    got = Frequency.daily().dates(date(2026, 3, 10), date(2026, 3, 8), date(2026, 3, 12), CAL)
    assert got == days(date(2026, 3, 10), date(2026, 3, 12))


def test_every_other_day_counts_from_the_start_date() -> None:
    rule = Frequency.every_other_day()
    assert rule.dates(date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 9), CAL) == [
        date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 8)
    ]  # fmt: skip
    # Asking from an odd day does not shift the rhythm.
    assert rule.dates(date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 7), CAL) == [date(2026, 3, 4), date(2026, 3, 6)]


def test_weekdays_are_monday_to_friday_whatever_the_calendar_says() -> None:
    got = Frequency.weekdays_only().dates(date(2026, 2, 9), date(2026, 2, 9), date(2026, 2, 17), CAL)
    # 14 Feb (a make-up Saturday) is not a weekday; 16-17 Feb (holidays) are: the holiday policy decides.
    assert got == [*days(date(2026, 2, 9), date(2026, 2, 13)), date(2026, 2, 16), date(2026, 2, 17)]


def test_working_days_follow_spring_festival_2026_with_its_makeup_saturday() -> None:
    got = Frequency.working_days().dates(date(2026, 2, 9), date(2026, 2, 9), date(2026, 2, 25), CAL)
    assert got == [*days(date(2026, 2, 9), date(2026, 2, 14)), date(2026, 2, 24), date(2026, 2, 25)]


def test_working_days_around_national_day_2026() -> None:
    got = Frequency.working_days().dates(date(2026, 9, 1), date(2026, 9, 19), date(2026, 10, 11), CAL)
    assert date(2026, 9, 20) in got  # a Sunday worked in lieu
    assert not any(date(2026, 10, d) in got for d in range(1, 8))  # 1-7 October closed
    assert got[-3:] == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]  # 10 Oct: make-up Saturday


def test_working_days_in_2027_which_the_package_does_not_know() -> None:
    rule = Frequency.working_days()
    assert not CAL.known(date(2027, 10, 4))
    got = rule.dates(date(2027, 9, 1), date(2027, 9, 25), date(2027, 10, 10), CAL)
    # Only the fixed-date statutory holiday (1 October) closes; golden-week days work until configured.
    assert got == [*days(date(2027, 9, 27), date(2027, 9, 30)), *days(date(2027, 10, 4), date(2027, 10, 8))]
    configured = PublicHolidays.with_overrides(
        holidays=days(date(2027, 10, 1), date(2027, 10, 7)), workdays=[date(2027, 9, 26), date(2027, 10, 9)]
    )
    got = rule.dates(date(2027, 9, 1), date(2027, 9, 25), date(2027, 10, 10), configured)
    assert got == [*days(date(2027, 9, 26), date(2027, 9, 30)), date(2027, 10, 8), date(2027, 10, 9)]


def test_chosen_weekdays() -> None:
    rule = Frequency.on_weekdays(0, 2, 4)
    assert rule.dates(date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 8), CAL) == [
        date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)
    ]  # fmt: skip
    assert rule.describe() == "on Mon, Wed, Fri"
    with pytest.raises(InvalidDeliveryRule, match="non-empty"):
        Frequency.on_weekdays()
    with pytest.raises(InvalidDeliveryRule, match="0 \\(Monday\\) to 6"):
        Frequency.on_weekdays(7)


def test_a_custom_rrule_is_anchored_at_the_start() -> None:
    rule = Frequency.custom("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH")
    assert rule.dates(date(2026, 3, 3), date(2026, 3, 1), date(2026, 3, 20), CAL) == [
        date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 17), date(2026, 3, 19)
    ]  # fmt: skip
    assert Frequency.custom("RRULE:FREQ=DAILY;INTERVAL=3").dates(
        date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 8), CAL
    ) == [date(2026, 3, 4), date(2026, 3, 7)]
    assert rule.occurs_on(date(2026, 3, 3), date(2026, 3, 17), CAL)
    assert not rule.occurs_on(date(2026, 3, 3), date(2026, 3, 10), CAL)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=FOO", "'FREQ=FOO' is not valid .*FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("hello", "'hello' is not valid"),
        ("BYDAY=MO", "'BYDAY=MO' is not valid"),
        ("FREQ=HOURLY", "daily at most"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "one RRULE line only"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never delivers within a year"),
        ("", "needs an RRULE"),
    ],
)
def test_a_bad_custom_rule_is_refused_with_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InvalidDeliveryRule, match=message) as caught:
        Frequency.custom(text)
    assert caught.value.code == "subscription.invalid_rule"
    assert caught.value.status == 422


def test_unsupported_rule_parts_are_named() -> None:
    with pytest.raises(InvalidDeliveryRule, match="BYSETPOS not supported"):
        Frequency.custom("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")


@pytest.mark.timeout(5)
def test_an_impossible_rule_is_refused_at_once_not_after_dateutils_search_to_the_year_9999() -> None:
    # dateutil's own iterator spins ~30 s of CPU on these; evaluated day by day they cost a year of checks.
    with pytest.raises(InvalidDeliveryRule, match="never delivers within a year"):
        Frequency.custom("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    weekly_thursday = Frequency.custom("FREQ=DAILY;INTERVAL=7;BYDAY=TH")  # fine from a Thursday (1 Jan 2026)
    # From a Monday the 7-day rhythm never meets a Thursday: no dates, and no endless search either.
    assert weekly_thursday.dates(date(2026, 3, 2), date(2026, 3, 2), date(2027, 3, 1), CAL) == []
    assert not weekly_thursday.delivers_within(date(2026, 3, 2), 366, CAL)


def test_count_and_until_limit_a_custom_rule() -> None:
    counted = Frequency.custom("FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3")
    assert counted.dates(date(2026, 3, 2), date(2026, 3, 5), date(2026, 4, 30), CAL) == [
        date(2026, 3, 6), date(2026, 3, 9)
    ]  # fmt: skip
    until = Frequency.custom("FREQ=DAILY;INTERVAL=2;UNTIL=20260308")
    assert until.dates(date(2026, 3, 2), date(2026, 3, 1), date(2026, 3, 31), CAL) == [
        date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 8)
    ]  # fmt: skip
    with pytest.raises(InvalidDeliveryRule, match="without Z"):
        Frequency.custom("FREQ=DAILY;UNTIL=20260308T000000Z")


def test_monthly_rules_with_ordinal_weekdays_and_days_from_the_end() -> None:
    last_friday = Frequency.custom("FREQ=MONTHLY;BYDAY=-1FR")
    assert last_friday.dates(date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), CAL) == [
        date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27)
    ]  # fmt: skip
    first_and_last = Frequency.custom("FREQ=MONTHLY;BYMONTHDAY=1,-1")
    assert first_and_last.dates(date(2026, 2, 1), date(2026, 2, 1), date(2026, 3, 1), CAL) == [
        date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1)
    ]  # fmt: skip
    # Without BYMONTHDAY a monthly rule delivers on the start's day of the month (dateutil's default).
    assert Frequency.custom("FREQ=MONTHLY").dates(date(2026, 1, 15), date(2026, 1, 1), date(2026, 3, 31), CAL) == [
        date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)
    ]  # fmt: skip
