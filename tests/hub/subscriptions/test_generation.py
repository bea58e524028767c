"""Daily generation: per store, in the store's zone, once per (subscription, business date)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.subscriptions.errors import InvalidChange
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.generation import DeliveryKey, deliveries_due, run_generation
from hub.subscriptions.schedule import Subscription
from tests.hub.subscriptions.samples import STORE, plan, sh, stamp, subscribe

START = date(2026, 2, 9)


def fleet() -> list[Subscription]:
    daily = subscribe(plan(), START, subscription_id="sub-daily")
    paused = subscribe(plan(), START, subscription_id="sub-paused").pause(
        date(2026, 2, 12), date(2026, 2, 14), by=stamp(sh(2026, 2, 9, 9))
    )
    weekdays = subscribe(plan(frequency=Frequency.weekdays_only()), START, subscription_id="sub-weekdays")
    working = subscribe(plan(frequency=Frequency.working_days()), START, subscription_id="sub-working")
    return [daily, paused, weekdays, working]


def test_the_cutoff_run_generates_tomorrow_with_its_instructions_and_keys() -> None:
    run = run_generation(store_id="store-1", store=STORE, now=sh(2026, 2, 12, 20, 0), subscriptions=fleet())
    assert run.business_date == date(2026, 2, 13)
    assert [d.key for d in run.new] == [
        DeliveryKey("sub-daily", date(2026, 2, 13)),
        DeliveryKey("sub-weekdays", date(2026, 2, 13)),
        DeliveryKey("sub-working", date(2026, 2, 13)),
    ]
    first = run.new[0]
    assert first.instructions == "放门口保温箱"
    assert first.key.as_text() == "sub-daily/2026-02-13"
    assert first.amount_fen == 2 * 350 + 500
    assert first.plan_deliveries == 1


def test_running_twice_creates_nothing_twice() -> None:
    subs = fleet()
    first = run_generation(store_id="store-1", store=STORE, now=sh(2026, 2, 12, 20, 0), subscriptions=subs)
    again = run_generation(
        store_id="store-1",
        store=STORE,
        now=sh(2026, 2, 12, 20, 7),
        subscriptions=subs,
        existing={d.key for d in first.new},
    )
    assert again.due == first.due
    assert again.new == ()


def test_just_after_midnight_utc_is_morning_in_shanghai_on_the_makeup_saturday() -> None:
    # 2026-02-13 16:30 UTC is still the 13th in UTC but 00:30 on Saturday the 14th (a working day) in Shanghai.
    late_run = run_generation(
        store_id="store-1", store=STORE, now=datetime(2026, 2, 13, 16, 30, tzinfo=UTC), subscriptions=fleet()
    )
    assert late_run.business_date == date(2026, 2, 14)
    assert [d.key.subscription_id for d in late_run.new] == ["sub-daily", "sub-working"]
    # 23:59 UTC on the 13th is 07:59 on the 14th in Shanghai: before the cut-off, the same date.
    morning = run_generation(
        store_id="store-1", store=STORE, now=datetime(2026, 2, 13, 23, 59, tzinfo=UTC), subscriptions=fleet()
    )
    assert morning.business_date == date(2026, 2, 14)


def test_nothing_is_generated_on_spring_festival_for_a_working_days_plan() -> None:
    due = deliveries_due(fleet(), date(2026, 2, 16))
    assert [d.key.subscription_id for d in due] == ["sub-daily", "sub-paused", "sub-weekdays"]


def test_a_subscription_of_another_store_or_given_twice_is_refused() -> None:
    other = subscribe(plan(), START, subscription_id="sub-x")
    stranger = type(other)(**{**other.__dict__, "store_id": "store-2"})
    with pytest.raises(InvalidChange, match="do not belong to store store-1"):
        run_generation(store_id="store-1", store=STORE, now=sh(2026, 2, 12, 20), subscriptions=[stranger])
    with pytest.raises(InvalidChange, match="given twice"):
        deliveries_due([other, other], date(2026, 2, 13))
