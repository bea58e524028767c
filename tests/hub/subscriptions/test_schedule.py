"""A subscription's timeline: pauses, skips, extras, dated changes, cancellation, punch cards, the cut-off."""

from __future__ import annotations

from datetime import date, time

import pytest

from hub.subscriptions.errors import (
    DateFrozen,
    InvalidChange,
    InvalidDeliveryRule,
    NothingPlanned,
    PauseOverlaps,
    SubscriptionClosed,
)
from hub.subscriptions.frequency import Frequency
from hub.subscriptions.plans import DeliveryWindow, PlanItem, PlanKind
from hub.subscriptions.schedule import Subscription, SubscriptionStatus
from hub.subscriptions.timeline import ChangeKind
from tests.hub.subscriptions.samples import MILK, YOGURT, plan, sh, stamp, subscribe

START = date(2026, 3, 2)  # a Monday
MORNING = stamp(sh(2026, 3, 1, 10))  # before the cut-off: 2 March still changes


def days_between(sub: Subscription, first: date, last: date) -> list[int]:
    return [p.day.day for p in sub.planned_between(first, last)]


def test_a_new_subscription_delivers_its_plan_from_the_start() -> None:
    sub = subscribe(plan(), START)
    due = sub.planned_on(START)
    assert due is not None
    assert due.items == (MILK, YOGURT)
    assert (due.address_id, due.window.describe(), due.instructions) == ("addr-1", "06:00-08:00", "放门口保温箱")
    assert due.why == ("scheduled (daily)",)
    assert sub.planned_on(date(2026, 3, 1)) is None
    assert sub.ends_on == date(2026, 4, 1)
    assert sub.remaining_deliveries(START) == 31


def test_a_start_past_the_cutoff_is_refused_naming_the_first_possible_date() -> None:
    with pytest.raises(DateFrozen, match="first date a subscription start can still take effect is 2026-03-03"):
        subscribe(plan(), START, now=sh(2026, 3, 1, 20, 5))


def test_a_custom_rule_that_never_meets_the_start_is_refused() -> None:
    never = plan(frequency=Frequency.custom("FREQ=DAILY;INTERVAL=7;BYDAY=TH"))
    with pytest.raises(InvalidDeliveryRule, match="never delivers within a year of 2026-03-02"):
        subscribe(never, START)


def test_a_vacation_pause_delivers_nothing_and_is_not_churn() -> None:
    sub = subscribe(plan(), START).pause(date(2026, 3, 5), date(2026, 3, 7), by=MORNING)
    assert days_between(sub, START, date(2026, 3, 9)) == [2, 3, 4, 8, 9]
    assert sub.status_on(date(2026, 3, 6)) is SubscriptionStatus.PAUSED
    assert not sub.status_on(date(2026, 3, 6)).counts_as_churn
    assert sub.remaining_deliveries(START) == 28
    assert sub.history[-1].kind is ChangeKind.PAUSED
    assert sub.history[-1].stamp == MORNING
    assert sub.history[-1].summary == "paused 2026-03-05 to 2026-03-07"


def test_overlapping_or_backwards_pauses_are_refused() -> None:
    sub = subscribe(plan(), START).pause(date(2026, 3, 5), date(2026, 3, 7), by=MORNING)
    with pytest.raises(PauseOverlaps, match="2026-03-07 to 2026-03-09 overlaps the pause 2026-03-05 to 2026-03-07"):
        sub.pause(date(2026, 3, 7), date(2026, 3, 9), by=MORNING)
    with pytest.raises(InvalidChange, match="end on or after its first day"):
        sub.pause(date(2026, 3, 12), date(2026, 3, 10), by=MORNING)
    open_ended = sub.pause(date(2026, 3, 20), None, by=MORNING)
    with pytest.raises(PauseOverlaps, match="further notice"):
        open_ended.pause(date(2026, 3, 25), date(2026, 3, 26), by=MORNING)


def test_resume_ends_an_open_pause_or_withdraws_a_future_one() -> None:
    paused = subscribe(plan(), START).pause(date(2026, 3, 5), None, by=MORNING)
    assert paused.planned_on(date(2026, 3, 20)) is None
    back = paused.resume(date(2026, 3, 10), by=stamp(sh(2026, 3, 8, 9)))
    assert days_between(back, date(2026, 3, 4), date(2026, 3, 11)) == [4, 10, 11]
    assert back.pauses[0].last == date(2026, 3, 9)
    withdrawn = paused.resume(date(2026, 3, 5), by=MORNING)
    assert withdrawn.pauses == ()
    assert withdrawn.history[-1].summary == "pause 2026-03-05 to further notice withdrawn"
    with pytest.raises(InvalidChange, match="no pause on or after"):
        withdrawn.resume(date(2026, 3, 6), by=MORNING)


def test_the_cutoff_freezes_tomorrow_for_every_change() -> None:
    sub = subscribe(plan(), START)
    evening = stamp(sh(2026, 3, 4, 20, 0))  # at the cut-off: 5 March is generated and frozen
    for attempt in (
        lambda: sub.pause(date(2026, 3, 5), None, by=evening),
        lambda: sub.skip(date(2026, 3, 5), by=evening),
        lambda: sub.add_extra(date(2026, 3, 5), by=evening),
        lambda: sub.change_terms(date(2026, 3, 5), by=evening, address_id="addr-2"),
        lambda: sub.cancel(date(2026, 3, 5), "moving", by=evening),
    ):
        with pytest.raises(DateFrozen) as caught:
            attempt()
        assert caught.value.extra["first_changeable"] == "2026-03-06"
    assert sub.skip(date(2026, 3, 5), by=stamp(sh(2026, 3, 4, 19, 59))).planned_on(date(2026, 3, 5)) is None


def test_skipping_one_day() -> None:
    mwf = subscribe(plan(frequency=Frequency.on_weekdays(0, 2, 4)), START)
    skipped = mwf.skip(date(2026, 3, 4), by=MORNING, reason="away for the day")
    assert days_between(skipped, START, date(2026, 3, 8)) == [2, 6]
    with pytest.raises(NothingPlanned, match="no delivery is planned on 2026-03-03"):
        mwf.skip(date(2026, 3, 3), by=MORNING)
    with pytest.raises(NothingPlanned):
        skipped.skip(date(2026, 3, 4), by=MORNING)


def test_an_extra_delivery_joins_the_days_delivery_or_makes_one() -> None:
    mwf = subscribe(plan(frequency=Frequency.on_weekdays(0, 2, 4)), START)
    on_tuesday = mwf.add_extra(date(2026, 3, 3), by=MORNING, items=(PlanItem("EGG-6", "鸡蛋 6 只", 1, 1200),))
    due = on_tuesday.planned_on(date(2026, 3, 3))
    assert due is not None
    assert (due.extras, due.plan_deliveries, due.amount_fen) == (1, 0, 1200)
    assert due.why == ("extra delivery added by customer:c1",)
    doubled = mwf.add_extra(date(2026, 3, 4), by=MORNING).planned_on(date(2026, 3, 4))
    assert doubled is not None
    assert {i.sku: i.quantity for i in doubled.items} == {MILK.sku: 4, YOGURT.sku: 2}
    assert mwf.add_extra(date(2026, 3, 3), by=MORNING).remaining_deliveries(START) == mwf.remaining_deliveries(START)
    with pytest.raises(InvalidChange, match="paused or skipped"):
        mwf.pause(date(2026, 3, 9), date(2026, 3, 10), by=MORNING).add_extra(date(2026, 3, 10), by=MORNING)


def test_changes_take_effect_from_their_date_and_keep_the_past() -> None:
    sub = subscribe(plan(), START)
    changed = sub.change_terms(
        date(2026, 3, 10),
        by=stamp(sh(2026, 3, 5, 9), "staff:s2"),
        items=(PlanItem(MILK.sku, MILK.name, 3, MILK.unit_price_fen),),
        address_id="addr-office",
        window=DeliveryWindow(time(7), time(9)),
        instructions="交给前台",
    )
    before, after = changed.planned_on(date(2026, 3, 9)), changed.planned_on(date(2026, 3, 10))
    assert before is not None and after is not None
    assert (before.items, before.address_id, before.instructions) == ((MILK, YOGURT), "addr-1", "放门口保温箱")
    assert after.items == (PlanItem(MILK.sku, MILK.name, 3, 350),)
    assert (after.address_id, after.window.describe(), after.instructions) == ("addr-office", "07:00-09:00", "交给前台")
    entry = changed.history[-1]
    assert (entry.kind, entry.stamp.actor) == (ChangeKind.TERMS_CHANGED, "staff:s2")
    assert entry.summary == "items, address, window, instructions changed from 2026-03-10"  # no personal text
    later = changed.change_terms(date(2026, 3, 12), by=MORNING, instructions="")
    assert later.terms_on(date(2026, 3, 12)).address_id == "addr-office"
    with pytest.raises(InvalidChange, match="must change"):
        sub.change_terms(date(2026, 3, 10), by=MORNING)
    with pytest.raises(InvalidChange, match="at least one item"):
        sub.change_terms(date(2026, 3, 10), by=MORNING, items=())


def test_cancellation_needs_a_reason_stops_deliveries_and_counts_as_churn() -> None:
    sub = subscribe(plan(), START)
    with pytest.raises(InvalidChange, match="needs a reason"):
        sub.cancel(date(2026, 3, 15), " ", by=MORNING)
    cancelled = sub.cancel(date(2026, 3, 15), "moving to another city", by=MORNING)
    assert days_between(cancelled, date(2026, 3, 13), date(2026, 3, 20)) == [13, 14]
    assert cancelled.status_on(date(2026, 3, 15)) is SubscriptionStatus.CANCELLED
    assert cancelled.status_on(date(2026, 3, 15)).counts_as_churn
    assert cancelled.remaining_deliveries(START) == 13
    assert cancelled.skip(date(2026, 3, 14), by=MORNING).planned_on(date(2026, 3, 14)) is None
    with pytest.raises(SubscriptionClosed, match="cancelled from 2026-03-15"):
        cancelled.pause(date(2026, 3, 16), None, by=MORNING)
    with pytest.raises(SubscriptionClosed):
        cancelled.renew(by=MORNING)


def test_renewal_extends_the_term_and_an_unrenewed_term_ends() -> None:
    sub = subscribe(plan(), date(2026, 1, 31))
    assert sub.ends_on == date(2026, 2, 27)
    assert sub.status_on(date(2026, 2, 28)) is SubscriptionStatus.ENDED
    renewed = sub.renew(by=stamp(sh(2026, 2, 26, 9), "system:auto-renew"), automatic=True)
    assert renewed.ends_on == date(2026, 3, 30)
    assert renewed.renewals[0].term_start == date(2026, 2, 28)
    assert renewed.history[-1].summary == "renewed automatically: term from 2026-02-28"
    quarterly = subscribe(plan(PlanKind.QUARTERLY), START)
    assert quarterly.ends_on == date(2026, 6, 1)


def test_a_punch_card_counts_down_and_gets_failed_deliveries_back() -> None:
    card = subscribe(plan(PlanKind.PUNCH_CARD, frequency=Frequency.every_other_day()), START)
    days = [p.day for p in card.planned_between(START, date(2026, 6, 30))]
    assert len(days) == 10
    assert days[-1] == date(2026, 3, 20)
    assert card.punches_left(date(2026, 3, 9)) == 6  # 2, 4, 6, 8 used
    assert card.remaining_deliveries(date(2026, 3, 9)) == 6
    given_back = card.return_punch(date(2026, 3, 4), "not home, not charged", by=stamp(sh(2026, 3, 4, 12), "rider:r1"))
    assert given_back.planned_on(date(2026, 3, 22)) is not None
    assert given_back.return_punch(date(2026, 3, 4), "retried report", by=MORNING) == given_back
    assert given_back.status_on(date(2026, 3, 23)) is SubscriptionStatus.ENDED
    with pytest.raises(NothingPlanned):
        card.return_punch(date(2026, 3, 5), "no delivery that day", by=MORNING)
    with pytest.raises(InvalidChange, match="only punch cards"):
        subscribe(plan(), START).return_punch(START, "x", by=MORNING)


def test_a_punch_card_is_used_within_its_validity() -> None:
    card = subscribe(plan(PlanKind.PUNCH_CARD, deliveries_included=10, valid_days=7), START)
    assert card.ends_on == date(2026, 3, 8)
    assert len(card.planned_between(START, date(2026, 4, 30))) == 7
    renewed = card.renew(by=stamp(sh(2026, 3, 6, 9)))
    assert renewed.punch_allowance == 20
    assert renewed.ends_on == date(2026, 3, 12)  # valid 7 days from the renewal's date (6 March)


def test_every_change_records_who_and_when_in_order() -> None:
    sub = (
        subscribe(plan(), START)
        .pause(date(2026, 3, 10), date(2026, 3, 12), by=stamp(sh(2026, 3, 1, 8), "customer:c1"))
        .skip(date(2026, 3, 4), by=stamp(sh(2026, 3, 1, 9), "staff:s1"))
        .cancel(date(2026, 3, 20), "price", by=stamp(sh(2026, 3, 2, 9), "customer:c1"))
    )
    assert [(h.kind, h.stamp.actor) for h in sub.history] == [
        (ChangeKind.STARTED, "staff:s1"),
        (ChangeKind.PAUSED, "customer:c1"),
        (ChangeKind.SKIPPED, "staff:s1"),
        (ChangeKind.CANCELLED, "customer:c1"),
    ]
