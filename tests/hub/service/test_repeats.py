"""Repeated complaints: the same customer or the same issue N times in M business days, with evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.service.errors import InvalidServiceRule
from hub.service.repeats import RepeatBasis, RepeatRule, TicketFacts, find_repeats, window_start
from hub.service.ticket_model import Actor, Channel, TicketCategory, TicketKind, TicketLinks, open_ticket
from tests.hub.service.calendars import RESTAURANT, sh

ZONE = "Asia/Shanghai"
SAME_CUSTOMER = RepeatRule("customer-3-in-7", RepeatBasis.CUSTOMER, times=3, within_days=7)
COLD_AT_STORE = RepeatRule(
    "cold-food-3-in-2",
    RepeatBasis.STORE_ISSUE,
    times=3,
    within_days=2,
    categories=frozenset({TicketCategory.COLD_FOOD}),
)
SAME_RIDER = RepeatRule("rider-2-in-3", RepeatBasis.RIDER_ISSUE, times=2, within_days=3)


def facts(
    ticket_id: str,
    at: datetime,
    customer: str | None = "c-1",
    category: TicketCategory = TicketCategory.MISSED_DELIVERY,
    store: str = "sh-001",
    rider: str | None = None,
    kind: TicketKind = TicketKind.COMPLAINT,
) -> TicketFacts:
    return TicketFacts(ticket_id, kind, category, at.astimezone(UTC), store, customer, None, rider)


def test_the_same_customer_three_times_in_seven_local_days_is_a_repeat_with_its_evidence() -> None:
    new = facts("t-3", sh(2026, 10, 8, 10))
    history = [
        facts("t-0", sh(2026, 10, 1, 23, 59)),  # 7 local days before is outside
        facts("t-1", sh(2026, 10, 2, 0, 30)),  # 1 October 16:30 UTC, but 2 October in Shanghai: inside
        facts("t-2", sh(2026, 10, 5, 12)),
        facts("t-x", sh(2026, 10, 6, 12), customer="c-2"),
        facts("t-later", sh(2026, 10, 9, 12)),  # after the new ticket: not evidence
    ]
    (match,) = find_repeats(new, history, [SAME_CUSTOMER], ZONE)
    assert (match.rule, match.subject, match.evidence) == ("customer-3-in-7", "customer c-1", ("t-1", "t-2", "t-3"))
    assert match.since == sh(2026, 10, 2).astimezone(UTC)
    assert find_repeats(new, history[2:], [SAME_CUSTOMER], ZONE) == ()


def test_days_the_store_is_closed_do_not_use_up_the_window() -> None:
    # RESTAURANT is closed 1-7 October (National Day): 3 business days on the 8th reach back to 29 September
    assert window_start(sh(2026, 10, 8, 10), 3, ZONE, RESTAURANT) == sh(2026, 9, 29).astimezone(UTC)
    assert window_start(sh(2026, 10, 8, 10), 3, ZONE) == sh(2026, 10, 6).astimezone(UTC)
    new = facts("t-3", sh(2026, 10, 8, 11), category=TicketCategory.COLD_FOOD, customer="c-3")
    history = [
        facts("t-1", sh(2026, 9, 29, 12), category=TicketCategory.COLD_FOOD, customer="c-1"),
        facts("t-2", sh(2026, 9, 30, 18), category=TicketCategory.COLD_FOOD, customer="c-2"),
    ]
    rule = RepeatRule("cold-3-in-3", RepeatBasis.STORE_ISSUE, 3, 3, categories=frozenset({TicketCategory.COLD_FOOD}))
    assert find_repeats(new, history, [rule], ZONE) == ()
    (match,) = find_repeats(new, history, [rule], ZONE, RESTAURANT)
    assert (match.subject, match.count) == ("cold_food / store sh-001", 3)


def test_the_same_issue_counts_other_customers_but_not_other_categories_stores_or_inquiries() -> None:
    new = facts("t-9", sh(2026, 12, 2, 12), customer="c-9", category=TicketCategory.COLD_FOOD)
    history = [
        facts("a", sh(2026, 12, 1, 12), customer="c-1", category=TicketCategory.COLD_FOOD),
        facts("b", sh(2026, 12, 1, 13), customer=None, category=TicketCategory.COLD_FOOD, store="sh-002"),
        facts("c", sh(2026, 12, 1, 14), customer="c-2", category=TicketCategory.WRONG_ITEM),
        facts("d", sh(2026, 12, 2, 11), customer="c-3", category=TicketCategory.COLD_FOOD, kind=TicketKind.INQUIRY),
    ]
    assert find_repeats(new, history, [COLD_AT_STORE], ZONE) == ()
    history.append(facts("e", sh(2026, 12, 2, 11, 30), customer=None, category=TicketCategory.COLD_FOOD))
    (match,) = find_repeats(new, history, [COLD_AT_STORE, SAME_CUSTOMER], ZONE)
    assert match.evidence == ("a", "e", "t-9")


def test_the_same_rider_twice_and_a_ticket_without_a_rider_trips_nothing() -> None:
    first = facts("r-1", sh(2026, 12, 1, 12), customer="c-1", category=TicketCategory.ATTITUDE, rider="rider-7")
    again = facts("r-2", sh(2026, 12, 3, 19), customer="c-2", category=TicketCategory.ATTITUDE, rider="rider-7")
    (match,) = find_repeats(again, [first], [SAME_RIDER], ZONE)
    assert match.subject == "attitude / rider rider-7"
    assert (
        find_repeats(facts("r-3", sh(2026, 12, 3, 20), category=TicketCategory.ATTITUDE), [first], [SAME_RIDER], ZONE)
        == ()
    )


def test_facts_come_from_a_ticket_and_bad_rules_are_refused() -> None:
    t = open_ticket(
        "t-1",
        kind=TicketKind.COMPLAINT,
        category=TicketCategory.ATTITUDE,
        channel=Channel.API,
        actor=Actor.staff("a"),
        at=sh(2026, 12, 1),
        summary="骑手态度差",
        store_id="sh-001",
        links=TicketLinks(customer_id="c-1", rider_id="rider-7"),
    )
    assert TicketFacts.of(t) == facts("t-1", sh(2026, 12, 1), category=TicketCategory.ATTITUDE, rider="rider-7")
    with pytest.raises(InvalidServiceRule, match="at least 2"):
        RepeatRule("r", RepeatBasis.CUSTOMER, times=1, within_days=7)
    with pytest.raises(InvalidServiceRule, match="1 to 400 days"):
        RepeatRule("r", RepeatBasis.CUSTOMER, times=2, within_days=0)


past = st.lists(
    st.builds(
        facts,
        st.uuids().map(str),
        st.integers(0, 60 * 24 * 20).map(lambda m: sh(2026, 12, 1) + timedelta(minutes=m)),
        customer=st.sampled_from(["c-1", "c-2", None]),
        category=st.sampled_from([TicketCategory.COLD_FOOD, TicketCategory.WRONG_ITEM]),
        store=st.sampled_from(["sh-001", "sh-002"]),
    ),
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(past, past, st.integers(0, 60 * 24 * 20), st.integers(2, 4), st.integers(1, 10))
def test_evidence_lies_in_the_window_and_more_history_never_loses_a_match(
    history: list[TicketFacts], more: list[TicketFacts], minute: int, times: int, days: int
) -> None:
    new = facts("new", sh(2026, 12, 1) + timedelta(minutes=minute), category=TicketCategory.COLD_FOOD)
    rules = [RepeatRule("c", RepeatBasis.CUSTOMER, times, days), RepeatRule("s", RepeatBasis.STORE_ISSUE, times, days)]
    found = find_repeats(new, history, rules, ZONE, RESTAURANT)
    by_id = {f.ticket_id: f for f in [*history, new]}
    for match in found:
        rule = next(r for r in rules if r.name == match.rule)
        assert match.count >= times and match.evidence[-1] == "new"
        assert all(match.since <= by_id[i].created_at <= new.created_at for i in match.evidence)
        assert all(rule.subject(by_id[i]) == rule.subject(new) for i in match.evidence)
    assert {m.rule for m in found} <= {m.rule for m in find_repeats(new, history + more, rules, ZONE, RESTAURANT)}
