"""Leads: stages, owner, follow-up reminders on the business calendar, conversion to a customer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

import pytest

from hub.service.errors import InvalidLeadTransition
from hub.service.leads import (
    FollowUpReminder,
    Lead,
    LeadAction,
    LeadSource,
    LeadStage,
    follow_up_after,
    open_lead,
    reminders_due,
)
from tests.hub.service.calendars import DEPOT_OFFICE, sh

T0 = sh(2026, 9, 30, 17)


def lead() -> Lead:
    return open_lead("l-1", source=LeadSource.EVENT, owner_id="rep-1", by="rep-1", at=T0, store_id="depot-3")


def test_a_lead_is_contacted_qualified_and_converted_to_a_customer() -> None:
    won = (
        lead()
        .contact(by="rep-1", at=T0 + timedelta(hours=1), note="试饮后有兴趣")
        .qualify(by="rep-1", at=T0 + timedelta(hours=2), note="小区在配送范围内")
        .convert(customer_id="cust-42", by="rep-1", at=T0 + timedelta(days=1))
    )
    assert (won.stage, won.customer_id, won.follow_up_at) == (LeadStage.WON, "cust-42", None)
    assert [c.action for c in won.changes] == [
        LeadAction.CREATE,
        LeadAction.CONTACT,
        LeadAction.QUALIFY,
        LeadAction.CONVERT,
    ]
    with pytest.raises(InvalidLeadTransition, match="this one is won: it became customer cust-42"):
        won.lose(by="rep-1", at=T0 + timedelta(days=2), reason="x")


def test_follow_ups_land_on_the_owners_working_hours_and_are_due_once_per_schedule() -> None:
    # 30 September 17:00 + one working day (8 office hours): National Day intervenes, so 8 October 17:00
    when = follow_up_after(T0, timedelta(hours=8), DEPOT_OFFICE)
    assert when == sh(2026, 10, 8, 17)
    scheduled = lead().contact(by="rep-1", at=T0, note="留了电话", next_follow_up=when)
    assert reminders_due([scheduled], sh(2026, 10, 8, 16, 59)) == []
    (reminder,) = reminders_due([scheduled], sh(2026, 10, 8, 17))
    assert reminder == FollowUpReminder("l-1", "rep-1", when.astimezone(UTC))
    assert reminder.key == "lead-follow-up:l-1:2026-10-08T09:00:00+00:00"
    moved = scheduled.reassign(owner_id="rep-2", by="boss", at=sh(2026, 10, 8, 9))
    assert reminders_due([moved], sh(2026, 10, 9))[0].owner_id == "rep-2"  # the reminder goes with the lead
    called = moved.contact(by="rep-2", at=sh(2026, 10, 8, 17, 30), note="下周再联系")
    assert reminders_due([called], sh(2026, 10, 9)) == []  # a contact fulfils it
    lost = scheduled.lose(by="rep-1", at=sh(2026, 10, 8, 10), reason="搬家了")
    assert (lost.follow_up_at, reminders_due([lost], sh(2026, 10, 9))) == (None, [])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda ld: ld.qualify(by="r", at=T0, note="x"),
            "qualify needs a lead that is contacted; this one is new: contact",
        ),
        (lambda ld: ld.lose(by="r", at=T0, reason=" "), "lose needs a note saying the reason it was lost"),
        (lambda ld: ld.convert(customer_id="", by="r", at=T0), "needs the customer the CRM found or created"),
        (lambda ld: ld.lose(by="r", at=T0, reason="x").qualify(by="r", at=T0, note="x"), "revive it first"),
        (lambda ld: ld.schedule_follow_up(when=T0 - timedelta(minutes=1), by="r", at=T0), "in the past"),
        (lambda ld: ld.contact(by="r", at=T0 - timedelta(minutes=1), note="x"), "before its last change"),
    ],
)
def test_invalid_lead_changes_say_what_they_need(make: Callable[[Lead], Lead], message: str) -> None:
    with pytest.raises(InvalidLeadTransition) as refused:
        make(lead())
    assert message in refused.value.detail


def test_a_lost_lead_can_come_back() -> None:
    back = lead().lose(by="r", at=T0, reason="太贵").revive(by="r", at=T0 + timedelta(days=30), note="有优惠了")
    assert back.stage is LeadStage.CONTACTED
