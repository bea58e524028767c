"""SLA clock properties over random calendars (split shifts, holidays, closed dates) and random histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.service.sla_clock import ClockStatus, SlaEvent, SlaEventKind, check, new_events, read_clocks
from hub.service.sla_policy import BusinessCalendar, SlaPolicy, SlaTarget
from hub.service.ticket_model import Ticket, TicketAction, TicketKind
from tests.hub.service.timelines import (
    AGENT,
    calendars,
    gaps,
    instants_after,
    new_ticket,
    policies,
    running_intervals,
    starts,
    tickets,
)

TICK = timedelta(microseconds=1)
RUNS = settings(max_examples=60, deadline=None)


def counted(
    cal: BusinessCalendar, t: Ticket, target: SlaTarget, policy: SlaPolicy, now: datetime, until: datetime
) -> timedelta:
    return sum(
        (cal.open_time_between(i.start, i.end) for i in running_intervals(t, target, policy, now, until)), timedelta(0)
    )


@RUNS
@given(calendars, policies(), tickets(), st.data())
def test_the_due_time_counts_exactly_the_goal_in_open_unpaused_time(
    cal: BusinessCalendar, policy: SlaPolicy, t: Ticket, data: st.DataObject
) -> None:
    now = data.draw(instants_after(t))
    for r in read_clocks(t, policy, cal, now):
        assert r.elapsed == counted(cal, t, r.target, policy, now, now)
        assert r.remaining == r.goal - r.elapsed
        if r.due_at is None:
            assert r.status in {ClockStatus.PAUSED, ClockStatus.MET}
            assert r.elapsed < r.goal
            continue
        assert counted(cal, t, r.target, policy, now, r.due_at) == r.goal
        assert cal.open_time_between(r.due_at - TICK, r.due_at) == TICK  # it ran up to the due instant
        assert (r.due_at <= now) == (r.status is ClockStatus.BREACHED)
        assert (r.elapsed >= r.goal) == (r.status is ClockStatus.BREACHED)


@RUNS
@given(calendars, policies(), tickets(), st.data())
def test_elapsed_time_never_decreases_and_a_breach_stays_a_breach(
    cal: BusinessCalendar, policy: SlaPolicy, t: Ticket, data: st.DataObject
) -> None:
    nows = sorted(data.draw(st.lists(instants_after(t), min_size=2, max_size=5)))
    readings = [read_clocks(t, policy, cal, now) for now in nows]
    for now, before, after in zip(nows[1:], readings, readings[1:], strict=False):
        for b, a in zip(before, after, strict=True):
            assert b.elapsed <= a.elapsed <= now - t.created_at
            if b.status is ClockStatus.BREACHED:
                assert (a.status, a.breached_at) == (ClockStatus.BREACHED, b.breached_at)


@RUNS
@given(calendars, policies(pausing=True), tickets(), st.data())
def test_pausing_never_brings_a_due_time_forward(
    cal: BusinessCalendar, policy: SlaPolicy, t: Ticket, data: st.DataObject
) -> None:
    now = data.draw(instants_after(t))
    never_paused = replace(policy, pausing=frozenset())
    for paused, unpaused in zip(read_clocks(t, policy, cal, now), read_clocks(t, never_paused, cal, now), strict=True):
        assert paused.elapsed <= unpaused.elapsed
        if unpaused.due_at is None:
            assert paused.due_at is None
        elif paused.due_at is not None:
            assert paused.due_at >= unpaused.due_at


@RUNS
@given(calendars, policies(pausing=True), st.sampled_from(list(TicketKind)), starts, gaps, gaps, gaps)
def test_a_pause_extends_the_due_time_by_exactly_its_open_time(
    cal: BusinessCalendar,
    policy: SlaPolicy,
    kind: TicketKind,
    start: datetime,
    to_reply: timedelta,
    to_pause: timedelta,
    paused_for: timedelta,
) -> None:
    answered = new_ticket(kind, start).apply(TicketAction.RESPOND, actor=AGENT, at=start + to_reply, note="x")
    wait_at, resume_at = start + to_reply + to_pause, start + to_reply + to_pause + paused_for
    paused = answered.apply(TicketAction.WAIT_ON_CUSTOMER, actor=AGENT, at=wait_at, note="x").apply(
        TicketAction.RESUME, actor=AGENT, at=resume_at
    )
    for plain, held in zip(
        read_clocks(answered, policy, cal, resume_at), read_clocks(paused, policy, cal, resume_at), strict=True
    ):
        if plain.target is SlaTarget.FIRST_RESPONSE:
            assert held == plain  # answered before the pause
            continue
        assert plain.due_at is not None and held.due_at is not None
        if wait_at < plain.due_at:
            assert cal.open_time_between(plain.due_at, held.due_at) == cal.open_time_between(wait_at, resume_at)
            assert held.due_at >= plain.due_at
        else:  # breached before the pause: the pause changes nothing
            assert held.due_at == plain.due_at


@RUNS
@given(calendars, policies(), tickets(), st.data())
def test_breaches_and_escalations_are_reported_once_however_often_the_check_runs(
    cal: BusinessCalendar, policy: SlaPolicy, t: Ticket, data: st.DataObject
) -> None:
    nows = sorted(data.draw(st.lists(instants_after(t), min_size=1, max_size=10)))
    recorded: set[str] = set()
    reported: list[SlaEvent] = []
    for now in nows:
        fresh = new_events(t, policy, cal, now, recorded)
        assert all(t.created_at <= e.at <= now for e in fresh)
        reported.extend(fresh)
        recorded |= {e.key for e in fresh}
        assert new_events(t, policy, cal, now, recorded) == ()  # the same check again: nothing new
    assert len(recorded) == len(reported)
    everything = check(t, policy, cal, nows[-1]).new_events
    assert set(reported) == set(everything)
    ladder = [step.level for step in policy.escalation]
    for target in SlaTarget:
        mine = [e for e in everything if e.target is target]
        breaches = [e for e in mine if e.kind is SlaEventKind.BREACHED]
        escalations = [e for e in mine if e.kind is SlaEventKind.ESCALATED]
        assert len(breaches) <= 1
        assert [e.level for e in escalations] == ladder[: len(escalations)]  # each level once, in order
        assert [e.at for e in escalations] == sorted(e.at for e in escalations)
        if escalations:
            assert breaches and breaches[0].at <= escalations[0].at


@RUNS
@given(calendars, policies(), tickets(), st.data())
def test_nothing_happens_before_the_next_deadline_and_something_does_at_it(
    cal: BusinessCalendar, policy: SlaPolicy, t: Ticket, data: st.DataObject
) -> None:
    now = data.draw(instants_after(t))
    known = replace(t, changes=tuple(c for c in t.changes if c.at <= now))  # no change after now
    first = check(known, policy, cal, now)
    recorded = {e.key for e in first.new_events}
    deadline = first.next_deadline
    if deadline is None:
        assert check(known, policy, cal, now + timedelta(days=30), recorded).new_events == ()
        return
    assert deadline.at > now
    assert check(known, policy, cal, now + (deadline.at - now) / 2, recorded).new_events == ()
    due = check(known, policy, cal, deadline.at, recorded).new_events
    assert (deadline.target, deadline.kind, deadline.level) in {(e.target, e.kind, e.level) for e in due}
    assert {e.at for e in due} == {deadline.at}
