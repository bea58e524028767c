"""SLA clocks on fixed instants: a lunch break, a night, National Day, a make-up Saturday, a pause, escalation."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from hub.service.errors import InvalidServiceRule
from hub.service.sla_clock import ClockReading, ClockStatus, SlaEvent, SlaEventKind, check, next_deadline, read_clocks
from hub.service.sla_policy import (
    BusinessCalendar,
    CalendarKind,
    EscalationLevel,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    TargetRule,
    standard_policy,
)
from hub.service.ticket_model import (
    Actor,
    Channel,
    Priority,
    Ticket,
    TicketAction,
    TicketCategory,
    TicketKind,
    TicketLinks,
    open_ticket,
)
from tests.hub.service.calendars import DEPOT_OFFICE, RESTAURANT, sh

AGENT = Actor.staff("agent-1")
POLICY = standard_policy()
A = TicketAction
FR, COMP, RES = SlaTarget.FIRST_RESPONSE, SlaTarget.COMPENSATION, SlaTarget.RESOLUTION


def ticket(at: datetime, kind: TicketKind = TicketKind.COMPLAINT, priority: Priority = Priority.NORMAL) -> Ticket:
    return open_ticket(
        "t-1",
        kind=kind,
        category=TicketCategory.QUALITY if kind is TicketKind.QUALITY else TicketCategory.COLD_FOOD,
        channel=Channel.API,
        actor=AGENT,
        at=at,
        summary="饭菜有异味",
        store_id="sh-001",
        links=TicketLinks(customer_id="c-1", order_id="o-1"),
        priority=priority,
    )


def reading(t: Ticket, target: SlaTarget, now: datetime, calendar: BusinessCalendar = RESTAURANT) -> ClockReading:
    return next(r for r in read_clocks(t, POLICY, calendar, now) if r.target is target)


def test_a_complaint_just_before_the_lunch_break_is_due_after_it() -> None:
    t = ticket(sh(2026, 12, 2, 13, 55))
    during_break = reading(t, FR, sh(2026, 12, 2, 15, 30))
    assert during_break.status is ClockStatus.RUNNING
    assert during_break.due_at == sh(2026, 12, 2, 17, 10)
    assert (during_break.elapsed, during_break.remaining) == (timedelta(minutes=5), timedelta(minutes=10))
    answered_in_time = t.apply(A.RESPOND, actor=AGENT, at=sh(2026, 12, 2, 17, 9, 59), note="在查")
    met = reading(answered_in_time, FR, sh(2026, 12, 2, 18))
    assert (met.status, met.due_at, met.stopped_at) == (ClockStatus.MET, None, sh(2026, 12, 2, 17, 9, 59))
    late = reading(t, FR, sh(2026, 12, 2, 17, 10))
    assert (late.status, late.breached_at) == (ClockStatus.BREACHED, sh(2026, 12, 2, 17, 10))


def test_an_answer_after_closing_time_is_late_when_the_goal_ran_out_at_closing_time() -> None:
    t = ticket(sh(2026, 12, 2, 13, 45))
    answered = t.apply(A.RESPOND, actor=AGENT, at=sh(2026, 12, 2, 14, 30), note="抱歉")
    fr = reading(answered, FR, sh(2026, 12, 2, 15))
    assert (fr.status, fr.breached_at, fr.elapsed) == (ClockStatus.BREACHED, sh(2026, 12, 2, 14), timedelta(minutes=15))


def test_a_ticket_at_night_is_due_the_next_morning() -> None:
    t = ticket(sh(2026, 12, 2, 23, 40))
    assert reading(t, FR, sh(2026, 12, 3, 8)).due_at == sh(2026, 12, 3, 10, 15)
    assert reading(t, FR, sh(2026, 12, 3, 8)).elapsed == timedelta(0)
    on_the_hotline = standard_policy(CalendarKind.ALWAYS)
    (fr, *_) = read_clocks(t, on_the_hotline, on_the_hotline.calendar_for(None), sh(2026, 12, 2, 23, 41))
    assert fr.due_at == sh(2026, 12, 2, 23, 55)


def test_national_day_holds_the_clock_for_a_week() -> None:
    t = ticket(sh(2026, 9, 30, 21, 25))
    assert reading(t, FR, sh(2026, 10, 4, 12)).due_at == sh(2026, 10, 8, 10, 10)
    assert reading(t, FR, sh(2026, 10, 4, 12)).elapsed == timedelta(minutes=5)


def test_a_makeup_saturday_runs_the_clock_like_a_monday() -> None:
    # 2026-02-14 is a Saturday worked in lieu before the Spring Festival: the office opens at 9.
    t = ticket(sh(2026, 2, 13, 17, 50))
    assert reading(t, FR, sh(2026, 2, 13, 19), DEPOT_OFFICE).due_at == sh(2026, 2, 14, 9, 5)
    ordinary_friday = ticket(sh(2026, 3, 6, 17, 50))
    assert reading(ordinary_friday, FR, sh(2026, 3, 6, 19), DEPOT_OFFICE).due_at == sh(2026, 3, 9, 9, 5)


def test_waiting_on_the_customer_extends_the_due_time_by_exactly_the_paused_business_time() -> None:
    start = sh(2026, 12, 2, 10)
    t = ticket(start, kind=TicketKind.QUALITY).apply(A.RESPOND, actor=AGENT, at=sh(2026, 12, 2, 10, 5), note="收到")
    assert reading(t, COMP, sh(2026, 12, 2, 10, 10)).due_at == sh(2026, 12, 2, 12)
    paused = t.apply(A.WAIT_ON_CUSTOMER, actor=AGENT, at=sh(2026, 12, 2, 10, 20), note="请拍照")
    while_paused = reading(paused, COMP, sh(2026, 12, 2, 10, 40))
    assert (while_paused.status, while_paused.due_at) == (ClockStatus.PAUSED, None)
    assert while_paused.elapsed == timedelta(minutes=20)
    never_pauses = replace(POLICY, pausing=frozenset())
    counts_waiting = next(
        r for r in read_clocks(paused, never_pauses, RESTAURANT, sh(2026, 12, 2, 10, 40)) if r.target is COMP
    )
    assert (counts_waiting.status, counts_waiting.due_at) == (ClockStatus.RUNNING, sh(2026, 12, 2, 12))
    resumed = paused.apply(A.RESUME, actor=Actor.customer("c-1"), at=sh(2026, 12, 2, 10, 50))
    assert reading(resumed, COMP, sh(2026, 12, 2, 11)).due_at == sh(2026, 12, 2, 12, 30)
    # a pause over the lunch break counts only its open minutes: 11:50-14:00 and 17:00-17:20
    long_pause = t.apply(A.WAIT_ON_CUSTOMER, actor=AGENT, at=sh(2026, 12, 2, 11, 50), note="请拍照").apply(
        A.RESUME, actor=Actor.customer("c-1"), at=sh(2026, 12, 2, 17, 20)
    )
    resolution = reading(long_pause, RES, sh(2026, 12, 2, 17, 30))
    assert resolution.elapsed == timedelta(hours=1, minutes=50) + timedelta(minutes=10)
    # 4 h of quality resolution time: due 14:00 without the pause, 2 h 30 min of open time later with it
    assert resolution.due_at == sh(2026, 12, 2, 19, 30)
    assert RESTAURANT.open_time_between(sh(2026, 12, 2, 14), resolution.due_at) == timedelta(hours=2, minutes=30)


def test_a_breach_escalates_once_however_often_the_job_checks() -> None:
    t = ticket(sh(2026, 12, 2, 13, 55))
    recorded: set[str] = set()
    seen: list[SlaEvent] = []
    now = sh(2026, 12, 2, 13, 55)
    while now < sh(2026, 12, 3, 12):
        result = check(t, POLICY, RESTAURANT, now, recorded)
        seen.extend(result.new_events)
        recorded |= {e.key for e in result.new_events}
        now += timedelta(minutes=7)
    assert [(e.kind, e.level, e.at) for e in seen] == [
        (SlaEventKind.BREACHED, None, sh(2026, 12, 2, 17, 10)),
        (SlaEventKind.ESCALATED, EscalationLevel.AGENT, sh(2026, 12, 2, 17, 10)),
        (SlaEventKind.ESCALATED, EscalationLevel.STORE_MANAGER, sh(2026, 12, 2, 17, 40)),
        # two business hours after the breach: 17:10-21:30 is 4 h 20 min, so 19:10
        (SlaEventKind.ESCALATED, EscalationLevel.AREA_MANAGER, sh(2026, 12, 2, 19, 10)),
    ]
    assert all(e.target is FR for e in seen)
    assert check(t, POLICY, RESTAURANT, sh(2026, 12, 3, 12), recorded).new_events == ()
    # days later only the resolution target (24 business hours) has news
    assert {e.target for e in check(t, POLICY, RESTAURANT, sh(2026, 12, 9), recorded).new_events} == {RES}


def test_an_answer_after_the_breach_stops_further_escalation_and_the_job_knows_when_to_wake() -> None:
    t = ticket(sh(2026, 12, 2, 13, 55))
    first = next_deadline(t, POLICY, RESTAURANT, sh(2026, 12, 2, 14))
    assert first is not None
    assert (first.at, first.target, first.kind) == (sh(2026, 12, 2, 17, 10), FR, SlaEventKind.BREACHED)
    answered = t.apply(A.RESPOND, actor=AGENT, at=sh(2026, 12, 2, 17, 20), note="抱歉")
    late = check(answered, POLICY, RESTAURANT, sh(2026, 12, 3, 12))
    assert {(e.target, e.kind, e.level) for e in late.new_events} == {
        (FR, SlaEventKind.BREACHED, None),
        (FR, SlaEventKind.ESCALATED, EscalationLevel.AGENT),
    }
    fr = next(r for r in late.readings if r.target is FR)
    assert (fr.status, fr.stopped_at) == (ClockStatus.BREACHED, sh(2026, 12, 2, 17, 20))
    assert late.next_deadline is not None and late.next_deadline.target is RES  # 24 business hours
    waiting = answered.apply(A.WAIT_ON_CUSTOMER, actor=AGENT, at=sh(2026, 12, 2, 17, 30), note="?")
    assert next_deadline(waiting, POLICY, RESTAURANT, sh(2026, 12, 2, 18)) is None  # only a change wakes it


def test_a_reopened_ticket_carries_on_with_its_resolution_clock() -> None:
    policy = SlaPolicy("tight", rules=(TargetRule(RES, timedelta(hours=1)),), escalation=())
    t = ticket(sh(2026, 12, 2, 10)).apply(A.OPEN, actor=AGENT, at=sh(2026, 12, 2, 10))
    resolved = t.apply(A.RESOLVE, actor=AGENT, at=sh(2026, 12, 2, 10, 40), note="已补发")
    (met,) = read_clocks(resolved, policy, RESTAURANT, sh(2026, 12, 2, 12))
    assert (met.status, met.elapsed, met.stopped_at) == (
        ClockStatus.MET,
        timedelta(minutes=40),
        sh(2026, 12, 2, 10, 40),
    )
    reopened = resolved.apply(A.REOPEN, actor=Actor.customer("c-1"), at=sh(2026, 12, 2, 13, 50))
    (running,) = read_clocks(reopened, policy, RESTAURANT, sh(2026, 12, 2, 15))
    assert (running.status, running.elapsed, running.due_at) == (
        ClockStatus.RUNNING,
        timedelta(minutes=50),
        sh(2026, 12, 2, 17, 10),
    )


def test_policies_that_cannot_work_are_refused() -> None:
    with pytest.raises(InvalidServiceRule, match="compensation target must name its kinds"):
        SlaPolicy("p", rules=(TargetRule(COMP, timedelta(hours=2)),))
    with pytest.raises(InvalidServiceRule, match="longer than zero"):
        SlaPolicy("p", rules=(TargetRule(FR, timedelta(0)),))
    with pytest.raises(InvalidServiceRule, match="increasing"):
        SlaPolicy(
            "p",
            rules=(),
            escalation=(
                EscalationStep(EscalationLevel.AGENT, timedelta(minutes=30)),
                EscalationStep(EscalationLevel.STORE_MANAGER, timedelta(minutes=10)),
            ),
        )
    with pytest.raises(InvalidServiceRule, match="counts store hours"):
        POLICY.calendar_for(None)


def test_the_standard_policy_gives_each_kind_its_goals() -> None:
    assert POLICY.goals_for(TicketKind.COMPLAINT, Priority.NORMAL, Channel.API) == {
        FR: timedelta(minutes=15),
        RES: timedelta(hours=24),
    }
    assert POLICY.goals_for(TicketKind.QUALITY, Priority.NORMAL, Channel.STAFF) == {
        FR: timedelta(hours=1),
        COMP: timedelta(hours=2),
        RES: timedelta(hours=4),
    }
    assert POLICY.goals_for(TicketKind.INQUIRY, Priority.URGENT, Channel.API)[RES] == timedelta(hours=2)
