"""Compensation: a coupon, a balance credit or a refund per ticket and kind, decided and granted once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.service.compensation import (
    CompensationKind,
    CompensationLimits,
    decide_compensation,
    record_on_ticket,
)
from hub.service.errors import AlreadyCompensated, CompensationRefused
from hub.service.sla_clock import ClockStatus, read_clocks
from hub.service.sla_policy import SlaTarget, standard_policy
from hub.service.ticket_model import (
    Actor,
    Channel,
    Ticket,
    TicketAction,
    TicketCategory,
    TicketKind,
    TicketLinks,
    open_ticket,
)
from tests.hub.service.calendars import RESTAURANT, sh

T0 = sh(2026, 12, 2, 11)
AGENT = Actor.staff("agent-1")


def quality_ticket(links: TicketLinks | None = None) -> Ticket:
    t = open_ticket(
        "t-7",
        kind=TicketKind.QUALITY,
        category=TicketCategory.FOREIGN_OBJECT,
        channel=Channel.API,
        actor=AGENT,
        at=T0,
        summary="汤里有异物",
        store_id="sh-001",
        links=links or TicketLinks(customer_id="c-1", order_id="o-1"),
    )
    return t.apply(TicketAction.RESPOND, actor=AGENT, at=T0 + timedelta(minutes=5), note="非常抱歉")


def test_a_coupon_is_decided_handed_over_with_its_key_and_stops_the_compensation_clock() -> None:
    t = quality_ticket()
    decision = decide_compensation(
        t,
        CompensationKind.COUPON,
        amount_fen=2_000,
        reason="异物补偿",
        decided_by="agent-1",
        at=T0 + timedelta(minutes=30),
        coupon_template_id="sorry-20",
    )
    assert decision.key == "service-compensation:t-7:coupon"
    assert (decision.customer_id, decision.amount_fen, decision.currency) == ("c-1", 2_000, "CNY")
    compensated = record_on_ticket(t, decision)
    assert record_on_ticket(compensated, decision) == compensated  # recorded once
    clock = next(
        r
        for r in read_clocks(compensated, standard_policy(), RESTAURANT, T0 + timedelta(hours=3))
        if r.target is SlaTarget.COMPENSATION
    )
    assert (clock.status, clock.stopped_at) == (ClockStatus.MET, decision.decided_at)
    with pytest.raises(AlreadyCompensated, match="already compensated with a coupon"):
        decide_compensation(
            compensated,
            CompensationKind.COUPON,
            amount_fen=1_000,
            reason="再补",
            decided_by="agent-2",
            at=T0,
            coupon_template_id="sorry-10",
        )
    with pytest.raises(AlreadyCompensated):
        decide_compensation(
            t,
            CompensationKind.COUPON,
            amount_fen=1,
            reason="x",
            decided_by="a",
            at=T0,
            granted_keys={decision.key},
            coupon_template_id="sorry-10",
        )
    refund = decide_compensation(
        compensated,
        CompensationKind.REFUND,
        amount_fen=3_800,
        reason="退一道菜",
        decided_by="a",
        at=T0,
        refundable_fen=3_800,
    )
    assert (refund.key, refund.order_id) == ("service-compensation:t-7:refund", "o-1")


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        (CompensationKind.BALANCE_CREDIT, dict(amount_fen=0), "whole, positive number of fen"),
        (CompensationKind.BALANCE_CREDIT, dict(amount_fen=True), "whole, positive number of fen"),
        (CompensationKind.BALANCE_CREDIT, dict(amount_fen=10_001), "at most 10000 fen per ticket (asked: 10001)"),
        (CompensationKind.BALANCE_CREDIT, dict(reason=" "), "needs a reason"),
        (CompensationKind.REFUND, dict(refundable_fen=500), "only 500 fen is left to refund on order o-1"),
        (CompensationKind.REFUND, dict(refundable_fen=None), "only 0 fen is left"),
        (CompensationKind.COUPON, dict(), "needs the template"),
    ],
)
def test_requests_out_of_bounds_or_missing_what_they_need_are_refused(
    kind: CompensationKind, changes: dict[str, object], message: str
) -> None:
    values: dict[str, object] = dict(amount_fen=1_000, reason="补偿", decided_by="a", at=T0, refundable_fen=9_000)
    values.update(changes)
    with pytest.raises(CompensationRefused) as refused:
        decide_compensation(quality_ticket(), kind, **values)  # type: ignore[arg-type]
    assert message in refused.value.detail


def test_a_refund_needs_an_order_a_grant_needs_a_customer_and_a_closed_ticket_gets_nothing() -> None:
    no_order = quality_ticket(TicketLinks(customer_id="c-1", product_id="p-1"))
    with pytest.raises(CompensationRefused, match="needs the ticket's order"):
        decide_compensation(no_order, CompensationKind.REFUND, amount_fen=1, reason="x", decided_by="a", at=T0)
    nobody = quality_ticket(TicketLinks(order_id="o-1"))
    with pytest.raises(CompensationRefused, match="needs the ticket's customer"):
        decide_compensation(nobody, CompensationKind.BALANCE_CREDIT, amount_fen=1, reason="x", decided_by="a", at=T0)
    limits = CompensationLimits(max_fen={CompensationKind.BALANCE_CREDIT: 100})
    with pytest.raises(CompensationRefused, match="at most 100 fen"):
        decide_compensation(
            quality_ticket(),
            CompensationKind.BALANCE_CREDIT,
            amount_fen=101,
            reason="x",
            decided_by="a",
            at=T0,
            limits=limits,
        )
    closed = (
        quality_ticket()
        .apply(TicketAction.DECLINE_COMPENSATION, actor=AGENT, at=T0 + timedelta(hours=1), note="顾客拒绝")
        .apply(TicketAction.RESOLVE, actor=AGENT, at=T0 + timedelta(hours=1), note="已处理")
        .apply(TicketAction.CLOSE, actor=AGENT, at=T0 + timedelta(days=1))
    )
    with pytest.raises(CompensationRefused, match="a ticket that is closed cannot be compensated"):
        decide_compensation(closed, CompensationKind.BALANCE_CREDIT, amount_fen=1, reason="x", decided_by="a", at=T0)
