"""The ticket's state machine: every change recorded with actor and time, refusals that say what is needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.service.errors import InvalidTicket, InvalidTicketTransition
from hub.service.ticket_model import (
    CATEGORY_LABELS,
    SYSTEM,
    Actor,
    ActorKind,
    Channel,
    Ticket,
    TicketAction,
    TicketCategory,
    TicketKind,
    TicketLinks,
    TicketStatus,
    open_ticket,
)
from tests.hub.service.calendars import sh

AGENT = Actor.staff("agent-1")
CUSTOMER = Actor.customer("cust-1")
T0 = sh(2026, 12, 2, 13, 55)
A, S = TicketAction, TicketStatus


def complaint(kind: TicketKind = TicketKind.COMPLAINT) -> Ticket:
    return open_ticket(
        "t-1",
        kind=kind,
        category=TicketCategory.COLD_FOOD,
        channel=Channel.STAFF,
        actor=AGENT,
        at=T0,
        summary="饭菜送到时是凉的",
        store_id="sh-001",
        links=TicketLinks(customer_id="cust-1", order_id="o-1"),
    )


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_ticket_goes_the_whole_way_and_keeps_who_did_what_when() -> None:
    t = complaint()
    t = t.apply(A.ASSIGN, actor=SYSTEM, at=minutes(0), assignee_id="agent-1")
    t = t.apply(A.RESPOND, actor=AGENT, at=minutes(3), note="已联系门店")
    t = t.apply(A.WAIT_ON_CUSTOMER, actor=AGENT, at=minutes(5), note="请提供照片")
    t = t.apply(A.RESUME, actor=CUSTOMER, at=minutes(20))
    t = t.apply(A.RESOLVE, actor=AGENT, at=minutes(30), note="补发一份")
    t = t.apply(A.CLOSE, actor=SYSTEM, at=minutes(60 * 24))
    assert t.status is S.CLOSED
    assert [(c.action, c.status, c.actor.kind) for c in t.changes] == [
        (A.CREATE, S.NEW, ActorKind.STAFF),
        (A.ASSIGN, S.NEW, ActorKind.SYSTEM),
        (A.RESPOND, S.OPEN, ActorKind.STAFF),
        (A.WAIT_ON_CUSTOMER, S.WAITING_ON_CUSTOMER, ActorKind.STAFF),
        (A.RESUME, S.OPEN, ActorKind.CUSTOMER),
        (A.RESOLVE, S.RESOLVED, ActorKind.STAFF),
        (A.CLOSE, S.CLOSED, ActorKind.SYSTEM),
    ]
    assert t.changes[3].note == "请提供照片"
    assert t.assignee_id == "agent-1"
    assert t.first_response_at == minutes(3)
    assert t.created_at == T0.astimezone(UTC) and t.changes[-1].at.tzinfo is UTC
    assert CATEGORY_LABELS[t.category] == "冷餐"
    # the service layer stores the header and the changes, and gets the same ticket back
    assert Ticket(**{f: getattr(t, f) for f in Ticket.__dataclass_fields__}) == t


@pytest.mark.parametrize(
    ("steps", "action", "actor", "note", "message"),
    [
        (
            [],
            A.RESOLVE,
            AGENT,
            "done",
            "resolve needs a ticket that is open or waiting_on_customer; this one is new: open",
        ),
        ([], A.WAIT_ON_CUSTOMER, AGENT, "照片?", "open it (or respond) first"),
        ([A.OPEN], A.WAIT_ON_CUSTOMER, AGENT, " ", "wait_on_customer needs a note saying what the customer was asked"),
        ([A.OPEN], A.RESOLVE, AGENT, "", "resolve needs a note summarising the resolution"),
        ([A.OPEN], A.RESPOND, CUSTOMER, "hi", "customer cannot respond a ticket (a customer may: reopen, resume)"),
        ([A.OPEN, A.RESOLVE], A.WAIT_ON_CUSTOMER, AGENT, "?", "this one is resolved: reopen it first"),
        ([A.OPEN, A.RESOLVE, A.CLOSE], A.REOPEN, CUSTOMER, "", "a closed ticket is final, open a follow-up ticket"),
        ([A.OPEN], A.ASSIGN, AGENT, "", "assign needs the assignee's id"),
        ([A.OPEN], A.CREATE, AGENT, "", "a ticket is created once"),
    ],
)
def test_invalid_actions_say_what_they_need(
    steps: list[TicketAction], action: TicketAction, actor: Actor, note: str, message: str
) -> None:
    t = complaint()
    for i, step in enumerate(steps):
        t = t.apply(step, actor=AGENT, at=minutes(i + 1), note="x")
    with pytest.raises(InvalidTicketTransition) as refused:
        t.apply(action, actor=actor, at=minutes(10), note=note)
    assert message in refused.value.detail
    assert refused.value.code == "service.invalid_transition"


def test_a_quality_ticket_needs_a_compensation_decision_before_it_is_resolved() -> None:
    t = complaint(TicketKind.QUALITY).apply(A.OPEN, actor=AGENT, at=minutes(1))
    with pytest.raises(InvalidTicketTransition, match="needs a compensation decision first"):
        t.apply(A.RESOLVE, actor=AGENT, at=minutes(2), note="已处理")
    with pytest.raises(InvalidTicketTransition, match="why no compensation is given"):
        t.apply(A.DECLINE_COMPENSATION, actor=AGENT, at=minutes(2))
    declined = t.apply(A.DECLINE_COMPENSATION, actor=AGENT, at=minutes(2), note="顾客不需要")
    assert declined.apply(A.RESOLVE, actor=AGENT, at=minutes(3), note="已处理").status is S.RESOLVED
    granted = t.apply(A.COMPENSATE, actor=AGENT, at=minutes(2), note="service-compensation:t-1:coupon")
    assert granted.compensation_decided
    assert granted.apply(A.RESOLVE, actor=AGENT, at=minutes(3), note="已处理").status is S.RESOLVED


def test_a_change_cannot_be_dated_before_the_last_one_nor_be_naive() -> None:
    t = complaint().apply(A.OPEN, actor=AGENT, at=minutes(5))
    with pytest.raises(InvalidTicketTransition, match="before its last change"):
        t.apply(A.RESPOND, actor=AGENT, at=minutes(4), note="x")
    with pytest.raises(InvalidTicket, match="timezone-aware"):
        t.apply(A.RESPOND, actor=AGENT, at=datetime(2026, 12, 2, 14), note="x")


def test_a_customer_reply_resumes_a_waiting_ticket_and_reopens_a_resolved_one() -> None:
    t = complaint()
    assert t.action_on_customer_reply() is None
    waiting = t.apply(A.OPEN, actor=AGENT, at=minutes(1)).apply(
        A.WAIT_ON_CUSTOMER, actor=AGENT, at=minutes(2), note="?"
    )
    assert waiting.action_on_customer_reply() is A.RESUME
    assert waiting.allowed_actions(ActorKind.CUSTOMER) == {A.RESUME}
    resolved = waiting.apply(A.RESOLVE, actor=AGENT, at=minutes(3), note="ok")
    assert resolved.action_on_customer_reply() is A.REOPEN
    reopened = resolved.apply(A.REOPEN, actor=CUSTOMER, at=minutes(4))
    assert reopened.status is S.OPEN
    closed = resolved.apply(A.CLOSE, actor=SYSTEM, at=minutes(5))
    assert closed.action_on_customer_reply() is None
    assert closed.allowed_actions() == frozenset()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(channel=Channel.NOTIFICATION_REPLY), "needs the customer who replied"),
        (dict(channel=Channel.NOTIFICATION_REPLY, actor=CUSTOMER, links=TicketLinks()), "needs the customer"),
        (dict(channel=Channel.STAFF, actor=CUSTOMER), "needs the staff member who entered it"),
        (dict(kind=TicketKind.QUALITY, links=TicketLinks(customer_id="c")), "order, delivery, subscription or product"),
        (dict(summary="  "), "needs a summary"),
        (dict(at=datetime(2026, 1, 1)), "timezone-aware"),
    ],
)
def test_a_ticket_that_lacks_what_its_channel_or_kind_needs_is_refused(
    changes: dict[str, object], message: str
) -> None:
    values: dict[str, object] = dict(
        kind=TicketKind.COMPLAINT,
        category=TicketCategory.MISSED_DELIVERY,
        channel=Channel.API,
        actor=AGENT,
        at=T0,
        summary="漏送一瓶鲜奶",
        links=TicketLinks(customer_id="cust-1", subscription_id="sub-1"),
    )
    values.update(changes)
    with pytest.raises(InvalidTicket, match=message):
        open_ticket("t-2", **values)  # type: ignore[arg-type]


def test_a_customers_reply_to_a_notification_opens_a_ticket() -> None:
    t = open_ticket(
        "t-3",
        kind=TicketKind.INQUIRY,
        category=TicketCategory.SUBSCRIPTION,
        channel=Channel.NOTIFICATION_REPLY,
        actor=CUSTOMER,
        at=T0,
        summary="明天能晚点送吗",
        links=TicketLinks(customer_id="cust-1", subscription_id="sub-1"),
    )
    assert t.status is S.NEW and t.created_by == CUSTOMER
