"""Deliver, skip or shift on public holidays; shifted deliveries merge into the next working day's."""

from __future__ import annotations

from datetime import date, timedelta

from hub.kernel.holidays import PublicHolidays
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.holiday_policy import HolidayPolicy, ShiftMerge, next_working_day
from hub.subscriptions.plans import PlanKind
from hub.subscriptions.store_calendar import StoreCalendar
from tests.hub.subscriptions.samples import MILK, YOGURT, plan, subscribe

CAL = PublicHolidays()


def test_the_policy_acts_on_public_holidays_only() -> None:
    skip, shift = HolidayPolicy.skip(), HolidayPolicy.shift()
    assert HolidayPolicy.deliver().target(date(2026, 2, 16), CAL) == date(2026, 2, 16)
    assert skip.target(date(2026, 2, 16), CAL) is None
    assert skip.target(date(2026, 2, 14), CAL) == date(2026, 2, 14)  # the make-up Saturday is a working day
    assert skip.target(date(2026, 10, 11), CAL) == date(2026, 10, 11)  # an ordinary Sunday is no holiday
    assert shift.target(date(2026, 2, 15), CAL) == date(2026, 2, 24)
    assert shift.target(date(2026, 10, 3), CAL) == date(2026, 10, 8)
    assert shift.target(date(2026, 9, 30), CAL) == date(2026, 9, 30)


def test_shifting_lands_on_a_makeup_working_day_when_it_is_next() -> None:
    configured = PublicHolidays.with_overrides(
        holidays=[date(2027, 2, 8) + timedelta(days=n) for n in range(6)], workdays=[date(2027, 2, 14)]
    )
    assert next_working_day(date(2027, 2, 8), configured) == date(2027, 2, 14)  # a Sunday worked in lieu
    assert next_working_day(date(2027, 2, 8), CAL) == date(2027, 2, 9)  # 2027 unknown: Tuesday works


def test_a_daily_plan_skipping_spring_festival_delivers_nothing_from_the_15th_to_the_23rd() -> None:
    sub = subscribe(plan(policy=HolidayPolicy.skip()), date(2026, 2, 10))
    got = [p.day for p in sub.planned_between(date(2026, 2, 10), date(2026, 2, 25))]
    assert got == [date(2026, 2, d) for d in (10, 11, 12, 13, 14, 24, 25)]


def test_shifted_spring_festival_deliveries_add_up_on_the_next_working_day() -> None:
    sub = subscribe(plan(policy=HolidayPolicy.shift()), date(2026, 2, 10))
    due = sub.planned_on(date(2026, 2, 24))
    assert due is not None
    assert due.covers == tuple(date(2026, 2, d) for d in range(15, 25))
    assert {i.sku: i.quantity for i in due.items} == {MILK.sku: 20, YOGURT.sku: 10}
    assert due.amount_fen == 10 * (2 * 350 + 500)
    assert "shifted from public holiday 2026-02-15" in due.why[1]
    assert sub.planned_on(date(2026, 2, 20)) is None


def test_one_delivery_merge_keeps_normal_quantities_and_drops_the_shifted_ones() -> None:
    sub = subscribe(plan(policy=HolidayPolicy.shift(ShiftMerge.ONE_DELIVERY)), date(2026, 2, 10))
    due = sub.planned_on(date(2026, 2, 24))
    assert due is not None
    assert due.covers == (date(2026, 2, 24),)
    assert {i.sku: i.quantity for i in due.items} == {MILK.sku: 2, YOGURT.sku: 1}
    assert any("9 shifted deliveries" in why for why in due.why)


def test_national_day_shifts_a_mon_wed_fri_plan_to_thursday_the_8th() -> None:
    sub = subscribe(plan(frequency=Frequency.on_weekdays(0, 2, 4), policy=HolidayPolicy.shift()), date(2026, 9, 28))
    got = {p.day: p.covers for p in sub.planned_between(date(2026, 9, 28), date(2026, 10, 12))}
    assert got == {
        date(2026, 9, 28): (date(2026, 9, 28),),
        date(2026, 9, 30): (date(2026, 9, 30),),
        date(2026, 10, 8): (date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 7)),
        date(2026, 10, 9): (date(2026, 10, 9),),
        date(2026, 10, 12): (date(2026, 10, 12),),
    }


def test_a_punch_card_that_skips_holidays_keeps_its_punches() -> None:
    card = plan(PlanKind.PUNCH_CARD, policy=HolidayPolicy.skip(), deliveries_included=10, valid_days=90)
    sub = subscribe(card, date(2026, 2, 10))
    got = [p.day for p in sub.planned_between(date(2026, 2, 1), date(2026, 5, 31))]
    assert got == [date(2026, 2, d) for d in (10, 11, 12, 13, 14, 24, 25, 26, 27, 28)]
    assert sub.remaining_deliveries(date(2026, 2, 15)) == 5


def test_a_store_configures_holidays_for_a_year_the_package_lacks() -> None:
    configured = StoreCalendar(holidays=PublicHolidays.with_overrides(holidays=[date(2027, 2, 8), date(2027, 2, 9)]))
    sub = subscribe(plan(policy=HolidayPolicy.shift()), date(2027, 2, 5), store=configured)
    got = {p.day: len(p.covers) for p in sub.planned_between(date(2027, 2, 7), date(2027, 2, 11))}
    assert got == {date(2027, 2, 7): 1, date(2027, 2, 10): 3, date(2027, 2, 11): 1}
