"""Properties over random timelines: paused dates generate nothing, generation is idempotent,
business dates are the store's across Shanghai midnight, holidays and make-up days are respected."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import DomainError
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.generation import deliveries_due, run_generation
from hub.subscriptions.holiday_policy import HolidayPolicy, ShiftMerge
from hub.subscriptions.plans import PlanItem, PlanKind
from hub.subscriptions.schedule import Subscription
from tests.hub.subscriptions.samples import MILK, STORE, plan, sh, stamp, subscribe

START = date(2026, 2, 2)
HORIZON = date(2026, 3, 31)
FREQUENCIES = [
    Frequency.daily(),
    Frequency.every_other_day(),
    Frequency.weekdays_only(),
    Frequency.working_days(),
    Frequency.on_weekdays(1, 5),
    Frequency.custom("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"),
]
POLICIES = [
    HolidayPolicy.deliver(),
    HolidayPolicy.skip(),
    HolidayPolicy.shift(),
    HolidayPolicy.shift(ShiftMerge.ONE_DELIVERY),
]

offsets = st.integers(0, 55)
ops = st.one_of(
    st.tuples(st.just("pause"), offsets, st.one_of(st.none(), st.integers(0, 12))),
    st.tuples(st.just("resume"), offsets, st.none()),
    st.tuples(st.just("skip"), offsets, st.none()),
    st.tuples(st.just("extra"), offsets, st.none()),
    st.tuples(st.just("change"), offsets, st.integers(1, 4)),
    st.tuples(st.just("cancel"), offsets, st.none()),
)


def apply(sub: Subscription, op: tuple[str, int, int | None], at: datetime) -> Subscription:
    kind, offset, arg = op
    day = START + timedelta(days=offset)
    by = stamp(at)
    try:
        if kind == "pause":
            return sub.pause(day, None if arg is None else day + timedelta(days=arg), by=by)
        if kind == "resume":
            return sub.resume(day, by=by)
        if kind == "skip":
            return sub.skip(day, by=by)
        if kind == "extra":
            return sub.add_extra(day, by=by)
        if kind == "change":
            return sub.change_terms(day, by=by, items=(PlanItem(MILK.sku, MILK.name, arg or 1, MILK.unit_price_fen),))
        return sub.cancel(day, "moving", by=by)
    except DomainError:
        return sub  # a refused change (overlap, frozen date, nothing planned...) leaves the timeline as it was


timelines = st.builds(
    lambda freq, policy, kind, steps: (freq, policy, kind, steps),
    st.sampled_from(FREQUENCIES),
    st.sampled_from(POLICIES),
    st.sampled_from([PlanKind.MONTHLY, PlanKind.PUNCH_CARD]),
    st.lists(st.tuples(ops, st.integers(0, 40), st.integers(0, 23)), max_size=12),
)


Case = tuple[Frequency, HolidayPolicy, PlanKind, list[tuple[tuple[str, int, int | None], int, int]]]


def build(case: Case) -> Subscription:
    freq, policy, kind, steps = case
    extra = {"deliveries_included": 20, "valid_days": 60} if kind is PlanKind.PUNCH_CARD else {}
    sub = subscribe(plan(kind, frequency=freq, policy=policy, **extra), START, now=sh(2026, 1, 30, 9))
    for op, day, hour in sorted(steps, key=lambda s: (s[1], s[2])):
        sub = apply(sub, op, sh(2026, 2, 1, 0) + timedelta(days=day, hours=hour))
    return sub


@settings(max_examples=80, deadline=None)
@given(case=timelines)
def test_paused_skipped_and_cancelled_dates_generate_nothing_and_generation_is_idempotent(case: Case) -> None:
    sub = build(case)
    planned = sub.planned_between(START, HORIZON)
    for delivery in planned:
        assert not sub.blocked(delivery.day)
        assert not any(sub.blocked(covered) for covered in delivery.covers)
        if delivery.plan_deliveries and sub.plan.holiday_policy != HolidayPolicy.deliver():
            assert not STORE.holidays.is_public_holiday(delivery.day)  # extras go where the customer asked
    # One day at a time gives the same deliveries as the whole range (generation asks day by day).
    one_by_one = [sub.planned_on(d) for d in (START + timedelta(days=n) for n in range((HORIZON - START).days + 1))]
    assert [p for p in one_by_one if p is not None] == planned
    if sub.punch_allowance is not None:
        assert sum(p.plan_deliveries for p in planned) <= sub.punch_allowance
    for day in (START + timedelta(days=n) for n in range(0, 58, 3)):
        first = deliveries_due([sub], day)
        assert deliveries_due([sub], day) == first
        assert len(first) <= 1
        if sub.paused_on(day):
            assert first == []


def _working_days_all_year() -> Subscription:
    sub = subscribe(plan(frequency=Frequency.working_days()), date(2025, 12, 1), now=sh(2025, 11, 20, 9))
    for _ in range(14):
        sub = sub.renew(by=stamp(sh(2025, 11, 20, 10)))
    return sub


WORKING_DAYS_ALL_YEAR = _working_days_all_year()


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(datetime(2025, 12, 25), datetime(2027, 1, 10), timezones=st.just(UTC)))
def test_the_business_date_is_shanghais_on_either_side_of_its_midnight(moment: datetime) -> None:
    local = moment + timedelta(hours=8)  # Asia/Shanghai has been UTC+8 all year since 1991
    expected_generation = local.date() + timedelta(days=1 if local.time() >= time(20) else 0)
    assert STORE.local_date(moment) == local.date()
    assert STORE.generation_date(moment) == expected_generation
    assert STORE.first_changeable(moment) == expected_generation + timedelta(days=1)
    run = run_generation(store_id="store-1", store=STORE, now=moment, subscriptions=[WORKING_DAYS_ALL_YEAR])
    assert run.business_date == expected_generation
    assert bool(run.new) == STORE.holidays.is_workday(expected_generation)


@settings(max_examples=150, deadline=None)
@given(day=st.one_of(st.dates(date(2026, 1, 26), date(2026, 3, 8)), st.dates(date(2026, 9, 14), date(2026, 10, 18))))
def test_around_spring_festival_and_national_day_shifts_land_on_the_next_official_working_day(day: date) -> None:
    official_workday = chinese_calendar.is_workday(day)
    # Working-day plans deliver exactly on the official working days: make-up Saturdays (2026-02-14,
    # 2026-10-10) and Sundays (2026-09-20) included, holiday weekdays excluded.
    assert Frequency.working_days().occurs_on(date(2026, 1, 1), day, STORE.holidays) is official_workday
    target = HolidayPolicy.shift().target(day, STORE.holidays)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if not (on_holiday and name is not None):
        assert target == day
        return
    assert target is not None and target > day
    assert chinese_calendar.is_workday(target)
    between = (day + timedelta(days=n) for n in range(1, (target - day).days))
    assert not any(chinese_calendar.is_workday(d) for d in between)
