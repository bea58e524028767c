"""Assignment: by store, category and queue, round-robin or least-open, only agents on shift."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.kernel.opening_hours import OpeningHours, Shift
from hub.service.assignment import Agent, AssignmentRule, Strategy, Workload, choose_assignee
from hub.service.errors import InvalidServiceRule
from hub.service.ticket_model import (
    Actor,
    Channel,
    Ticket,
    TicketCategory,
    TicketKind,
    TicketLinks,
    open_ticket,
)
from tests.hub.service.calendars import RESTAURANT, sh

NOON = sh(2026, 12, 2, 12)
AFTERNOON_BREAK = sh(2026, 12, 2, 15)
EARLY = OpeningHours(zone="Asia/Shanghai", weekly={d: (Shift(time(8), time(16)),) for d in range(7)})

RULES = (
    AssignmentRule("quality", queue="quality", kinds=frozenset({TicketKind.QUALITY}), own_store_only=False),
    AssignmentRule("store-desk", queue="desk", strategy=Strategy.ROUND_ROBIN),
    AssignmentRule("central", queue="central", own_store_only=False),
)
AGENTS = (
    Agent("li", frozenset({"desk"}), store_ids=frozenset({"sh-001"}), shift=RESTAURANT),
    Agent("wang", frozenset({"desk"}), store_ids=frozenset({"sh-001"}), shift=RESTAURANT),
    Agent("zhao", frozenset({"desk"}), store_ids=frozenset({"sh-002"}), shift=RESTAURANT),
    Agent("qa-chen", frozenset({"quality"}), shift=EARLY),
    Agent("hotline", frozenset({"central"}), shift=EARLY, max_open=2),
)


def ticket(store: str = "sh-001", kind: TicketKind = TicketKind.COMPLAINT) -> Ticket:
    return open_ticket(
        "t-1",
        kind=kind,
        category=TicketCategory.FOREIGN_OBJECT if kind is TicketKind.QUALITY else TicketCategory.WRONG_ITEM,
        channel=Channel.API,
        actor=Actor.staff("a"),
        at=NOON,
        summary="送错了",
        store_id=store,
        links=TicketLinks(order_id="o-1"),
    )


def test_the_stores_desk_takes_turns_among_its_agents_on_shift() -> None:
    picked: list[str | None] = []
    cursor = Workload()
    for _ in range(3):
        decision = choose_assignee(ticket(), RULES, AGENTS, cursor, NOON)
        assert decision.rule == "store-desk"
        picked.append(decision.agent_id)
        cursor = Workload(last_assigned={"store-desk": decision.agent_id or ""})
    assert picked == ["li", "wang", "li"]  # zhao works at sh-002


def test_a_quality_ticket_goes_to_the_quality_queue_whatever_the_store() -> None:
    decision = choose_assignee(ticket("sh-002", TicketKind.QUALITY), RULES, AGENTS, Workload(), NOON)
    assert (decision.agent_id, decision.rule) == ("qa-chen", "quality")


def test_off_shift_agents_are_skipped_and_the_next_rule_takes_it() -> None:
    # 15:00: the store desk is on its afternoon break, the hotline works 8-16
    decision = choose_assignee(ticket(), RULES, AGENTS, Workload(), AFTERNOON_BREAK)
    assert (decision.agent_id, decision.rule) == ("hotline", "central")
    full = Workload(open_tickets={"hotline": 2})
    nobody = choose_assignee(ticket(), RULES, AGENTS, full, AFTERNOON_BREAK)
    assert nobody.agent_id is None
    assert nobody.retry_at == sh(2026, 12, 2, 17)  # dinner shift starts
    assert "no agent of queue desk, central is on shift with room" in nobody.reason


def test_least_open_picks_the_quietest_agent_and_breaks_ties_in_turn() -> None:
    rules = (AssignmentRule("desk", queue="desk"),)
    busy = Workload(open_tickets={"li": 3, "wang": 1})
    assert choose_assignee(ticket(), rules, AGENTS, busy, NOON).agent_id == "wang"
    tie = Workload(open_tickets={"li": 1, "wang": 1}, last_assigned={"desk": "li"})
    assert choose_assignee(ticket(), rules, AGENTS, tie, NOON).agent_id == "wang"
    inactive = (*AGENTS[:1], Agent("wang", frozenset({"desk"}), store_ids=frozenset({"sh-001"}), active=False))
    assert choose_assignee(ticket(), rules, inactive, busy, NOON).agent_id == "li"


def test_rules_that_cannot_work_are_refused_and_unmatched_tickets_say_so() -> None:
    with pytest.raises(InvalidServiceRule, match="distinct names"):
        choose_assignee(ticket(), (RULES[1], RULES[1]), AGENTS, Workload(), NOON)
    only_sh2 = (AssignmentRule("sh2", queue="desk", store_ids=frozenset({"sh-002"})),)
    assert (
        choose_assignee(ticket(), only_sh2, AGENTS, Workload(), NOON).reason == "no assignment rule matches this ticket"
    )


agents = st.lists(
    st.builds(
        Agent,
        id=st.sampled_from(["a", "b", "c", "d", "e"]),
        queues=st.sets(st.sampled_from(["desk", "quality"]), min_size=1).map(frozenset),
        store_ids=st.none() | st.sets(st.sampled_from(["sh-001", "sh-002"])).map(frozenset),
        shift=st.sampled_from([None, RESTAURANT, EARLY]),
        max_open=st.none() | st.integers(0, 3),
        active=st.booleans(),
    ),
    max_size=6,
    unique_by=lambda a: a.id,
)
workloads = st.builds(
    Workload,
    open_tickets=st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(0, 4)),
    last_assigned=st.dictionaries(st.just("desk"), st.sampled_from(["a", "b", "c", "d", "e"])),
)


@settings(max_examples=100, deadline=None)
@given(agents, workloads, st.sampled_from([NOON, AFTERNOON_BREAK, sh(2026, 12, 2, 23)]))
def test_the_chosen_agent_is_eligible_and_has_the_fewest_open_tickets(
    team: list[Agent], load: Workload, at: datetime
) -> None:
    rules = (AssignmentRule("desk", queue="desk"),)
    decision = choose_assignee(ticket(), rules, team, load, at)
    eligible = [
        a
        for a in team
        if a.active
        and "desk" in a.queues
        and a.serves("sh-001")
        and a.on_shift(at)
        and (a.max_open is None or load.open_tickets.get(a.id, 0) < a.max_open)
    ]
    if not eligible:
        assert decision.agent_id is None
        return
    chosen = next(a for a in eligible if a.id == decision.agent_id)
    assert load.open_tickets.get(chosen.id, 0) == min(load.open_tickets.get(a.id, 0) for a in eligible)
