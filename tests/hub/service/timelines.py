"""Hypothesis strategies: random business calendars, SLA policies and ticket timelines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import strategies as st

from hub.kernel.holidays import PublicHolidays
from hub.kernel.opening_hours import OpeningHours, Shift
from hub.service.sla_policy import (
    ALWAYS_OPEN,
    PAUSABLE,
    BusinessCalendar,
    EscalationLevel,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    TargetRule,
)
from hub.service.ticket_model import (
    COMPENSATION_KINDS,
    Actor,
    Channel,
    Priority,
    Ticket,
    TicketAction,
    TicketCategory,
    TicketKind,
    TicketLinks,
    TicketStatus,
    open_ticket,
)

AGENT = Actor.staff("agent-1")
A = TicketAction
CLOCK_RUNS_IN = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER})
CLOCK_STOPS_AT = {
    SlaTarget.FIRST_RESPONSE: {A.RESPOND, A.WAIT_ON_CUSTOMER, A.RESOLVE},
    SlaTarget.COMPENSATION: {A.COMPENSATE, A.DECLINE_COMPENSATION},
    SlaTarget.RESOLUTION: set(),
}
"""The issue's rules, written out again so the oracle does not share the clock's tables."""
LIFECYCLE = frozenset({A.OPEN, A.WAIT_ON_CUSTOMER, A.RESUME, A.REOPEN})
"""Drawn more often, so that histories pause, resume and reopen."""
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2026, 12, 31)


def _clock(minute: int) -> time:
    return time(0) if minute == 24 * 60 else time(minute // 60, minute % 60)


@st.composite
def day_shifts(draw: st.DrawFn) -> tuple[Shift, ...]:
    """Up to three shifts on a five-minute grid, e.g. lunch and dinner; a shift may end at midnight."""
    marks = sorted(draw(st.sets(st.integers(0, 288), max_size=6)))
    marks = marks[: len(marks) // 2 * 2]
    return tuple(Shift(_clock(a * 5), _clock(b * 5)) for a, b in zip(marks[::2], marks[1::2], strict=True))


def _weekly_open(weekly: dict[int, tuple[Shift, ...]]) -> timedelta:
    total = timedelta(0)
    for shifts in weekly.values():
        for shift in shifts:
            start, end = shift.bounds()
            total += end - start
    return total


@st.composite
def store_hours(draw: st.DrawFn) -> OpeningHours:
    """Random weekly split shifts (at least 6 open hours a week), random public holidays and closed dates."""
    weekly = draw(
        st.dictionaries(st.integers(0, 6), day_shifts(), min_size=1, max_size=7).filter(
            lambda w: _weekly_open(w) >= timedelta(hours=6)
        )
    )
    dates = st.dates(FIRST_DAY, LAST_DAY)
    holidays = draw(
        st.none()
        | st.builds(
            PublicHolidays.with_overrides,
            holidays=st.sets(dates, max_size=6),
            workdays=st.sets(dates, max_size=3),
        )
    )
    return OpeningHours(
        zone="Asia/Shanghai",
        weekly=weekly,
        holidays=holidays,
        holiday_shifts=draw(st.just(()) | day_shifts()),
        makeup_day_hours_of=draw(st.integers(0, 6)),
        closed_dates=frozenset(draw(st.sets(dates, max_size=5))),
    )


calendars: st.SearchStrategy[BusinessCalendar] = st.one_of(store_hours(), st.just(ALWAYS_OPEN))
goals = st.integers(1, 8 * 12).map(lambda n: timedelta(minutes=5 * n))


@st.composite
def policies(draw: st.DrawFn, pausing: bool | None = None) -> SlaPolicy:
    offsets = sorted(draw(st.sets(st.integers(0, 48), max_size=3)))
    levels = list(EscalationLevel)
    return SlaPolicy(
        name="random",
        rules=(
            TargetRule(SlaTarget.FIRST_RESPONSE, draw(goals)),
            TargetRule(SlaTarget.COMPENSATION, draw(goals), kinds=COMPENSATION_KINDS),
            TargetRule(SlaTarget.RESOLUTION, draw(goals)),
        ),
        pausing=PAUSABLE if (draw(st.booleans()) if pausing is None else pausing) else frozenset(),
        escalation=tuple(EscalationStep(levels[i], timedelta(minutes=5 * o)) for i, o in enumerate(offsets)),
    )


def new_ticket(kind: TicketKind, at: datetime, priority: Priority = Priority.NORMAL) -> Ticket:
    return open_ticket(
        "t-1",
        kind=kind,
        category=TicketCategory.QUALITY,
        channel=Channel.API,
        actor=AGENT,
        at=at,
        summary="random",
        store_id="sh-001",
        links=TicketLinks(customer_id="c-1", order_id="o-1"),
        priority=priority,
    )


starts = st.datetimes(datetime(2026, 1, 1), datetime(2026, 11, 30), timezones=st.just(UTC))
gaps = st.integers(0, 600).map(lambda m: timedelta(minutes=m))


@st.composite
def tickets(draw: st.DrawFn) -> Ticket:
    """A ticket with a random history: each step one of the actions its status allows, after a random gap.

    Half the steps favour opening, waiting on the customer, resuming and reopening.
    """
    t = new_ticket(draw(st.sampled_from(list(TicketKind))), draw(starts), draw(st.sampled_from(list(Priority))))
    for _ in range(draw(st.integers(0, 8))):
        allowed = sorted(t.allowed_actions())
        if t.kind in COMPENSATION_KINDS and not t.compensation_decided:
            allowed = [a for a in allowed if a is not TicketAction.RESOLVE]
        if not allowed:
            break
        lifecycle = [a for a in allowed if a in LIFECYCLE]
        favour_lifecycle = bool(lifecycle) and draw(st.booleans())
        action = draw(st.sampled_from(lifecycle if favour_lifecycle else allowed))
        at = t.changes[-1].at + draw(gaps)
        t = t.apply(action, actor=AGENT, at=at, note="x", assignee_id="a" if action is TicketAction.ASSIGN else None)
    return t


def instants_after(t: Ticket) -> st.SearchStrategy[datetime]:
    """Within ten hours of the ticket's creation half the time, else within five days."""
    minutes = st.integers(0, 600) | st.integers(0, 60 * 24 * 5)
    return minutes.map(lambda m: t.created_at + timedelta(minutes=m))


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


def running_intervals(
    t: Ticket, target: SlaTarget, policy: SlaPolicy, now: datetime, until: datetime
) -> Iterator[Interval]:
    """The test's own reading of when a clock runs: the changes known at ``now``, the last status held after it."""
    known = [c for c in t.changes if c.at <= now]
    stop = next((c.at for c in known if c.action in CLOCK_STOPS_AT[target]), until)
    for change, following in zip(known, [*known[1:], None], strict=True):
        start = change.at
        end = min(following.at if following else until, stop, until)
        if start < end and change.status in CLOCK_RUNS_IN and change.status not in policy.pausing:
            yield Interval(start, end)
