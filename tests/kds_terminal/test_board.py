"""The board's rules, without a screen: what a station sees and what it owes the hub."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.kitchen import TicketLine, TicketState
from kds_terminal.board import Board
from kds_terminal.tickets import (
    AgeLevel,
    LineChange,
    NotForThisDisplay,
    NothingToRecall,
    OutcomeKind,
    Phase,
    Thresholds,
    UnknownTicket,
)
from tests.kds_terminal.pilot import T0, make_ticket


def board(**changes: object) -> Board:
    values: dict[str, object] = {"store_id": "s1", "stations": ["wok"]}
    values.update(changes)
    return Board(**values)  # type: ignore[arg-type]


def at(seconds: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(seconds=seconds)


def states(outcome) -> list[tuple[str, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    return [(s.state.value, s.line_ids) for s in outcome.statuses]


def test_a_new_ticket_is_shown_alerted_and_reported_shown() -> None:
    b = board()
    outcome = b.receive(make_ticket("o1"), at(0))
    assert outcome.kind is OutcomeKind.NEW and outcome.alert
    assert states(outcome) == [("shown", ())]
    assert [t.ticket_id for t in b.on_screen()] == ["o1:wok"]
    assert [(line.name, line.quantity) for line in b.on_screen()[0].lines] == [("宫保鸡丁", 2), ("鱼香肉丝", 1)]


def test_tickets_are_oldest_first_by_arrival_at_this_station() -> None:
    b = board()
    b.receive(make_ticket("o2", placed_at=T0), at(10))
    b.receive(make_ticket("o1", placed_at=T0 - timedelta(minutes=30)), at(20))  # older order, arrived later
    b.receive(make_ticket("o3"), at(5))
    assert [t.ticket_id for t in b.on_screen()] == ["o3:wok", "o2:wok", "o1:wok"]


def test_redelivery_and_stale_revisions_change_nothing() -> None:
    b = board()
    b.receive(make_ticket("o1", revision=2, lines=[("l1", "宫保鸡丁", 3)]), at(0))
    again = b.receive(make_ticket("o1", revision=2, lines=[("l1", "宫保鸡丁", 3)]), at(1))
    older = b.receive(make_ticket("o1", revision=1), at(2))
    assert again.kind is OutcomeKind.DUPLICATE and not again.statuses and not again.changed_board
    assert older.kind is OutcomeKind.DUPLICATE
    assert [(line.name, line.quantity) for line in b.on_screen()[0].lines] == [("宫保鸡丁", 3)]


def test_a_later_revision_marks_added_changed_and_removed_lines() -> None:
    b = board()
    b.receive(make_ticket("o1", lines=[("l1", "蛋炒饭", 3), ("l2", "炒青菜", 1), ("l3", "汤", 1)]), at(0))
    outcome = b.receive(
        make_ticket("o1", revision=2, lines=[("l1", "蛋炒饭", 4), ("l3", "汤", 1), ("l4", "酸辣汤", 1)]), at(60)
    )
    assert outcome.kind is OutcomeKind.CHANGED and outcome.alert
    assert states(outcome) == [("shown", ())]
    ticket = b.on_screen()[0]
    assert ticket.changed and ticket.revision == 2
    marks = {line.line_id: (line.change, line.quantity, line.previous_quantity) for line in ticket.lines}
    assert marks == {
        "l1": (LineChange.CHANGED, 4, 3),
        "l2": (LineChange.REMOVED, 1, None),
        "l3": (LineChange.NONE, 1, None),
        "l4": (LineChange.ADDED, 1, None),
    }
    assert ticket.arrived_at == at(0), "a change keeps the ticket's place and timer"


def test_a_reprint_refreshes_the_card_without_a_second_card_or_an_alert() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    outcome = b.receive(make_ticket("o1", revision=2, reprint=True), at(30))
    assert outcome.kind is OutcomeKind.UPDATED and not outcome.alert
    assert states(outcome) == [("shown", ())]  # the hub reset shown for the new revision
    assert len(b.on_screen()) == 1 and b.on_screen()[0].revision == 2 and not b.on_screen()[0].changed


def test_a_reprint_of_a_bumped_ticket_stays_bumped() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    b.bump_ticket("o1:wok", at(10))
    outcome = b.receive(make_ticket("o1", revision=2, reprint=True), at(20))
    assert outcome.kind is OutcomeKind.UPDATED and not outcome.statuses
    assert b.on_screen() == [] and [t.ticket_id for t in b.recent_bumps()] == ["o1:wok"]


def test_a_cancel_shows_the_card_cancelled_then_takes_it_off() -> None:
    b = board(cancelled_display_s=30)
    b.receive(make_ticket("o1"), at(0))
    outcome = b.receive(make_ticket("o1", revision=2, cancelled=True), at(5))
    assert outcome.kind is OutcomeKind.CANCELLED and outcome.alert and not outcome.statuses
    assert [t.phase for t in b.on_screen()] == [Phase.CANCELLED]
    assert b.active() == [] and b.all_day() == []
    assert not b.expire(at(34))
    assert b.expire(at(35))
    assert b.on_screen() == []
    assert b.receive(make_ticket("o1", revision=1), at(40)).kind is OutcomeKind.DUPLICATE


def test_a_cancelled_card_can_be_dismissed_with_the_bump_key_and_sends_nothing() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    b.receive(make_ticket("o1", revision=2, cancelled=True), at(5))
    outcome = b.bump_ticket("o1:wok", at(6))
    assert outcome.kind is OutcomeKind.DISMISSED and not outcome.statuses
    assert b.on_screen() == [] and b.recent_bumps() == []


def test_a_cancel_of_an_unknown_or_bumped_ticket_shows_nothing() -> None:
    b = board()
    unknown = b.receive(make_ticket("o9", revision=2, cancelled=True), at(0))
    assert unknown.kind is OutcomeKind.CANCELLED and not unknown.alert and unknown.changed_board
    assert b.on_screen() == []
    assert b.receive(make_ticket("o9", revision=1), at(1)).kind is OutcomeKind.DUPLICATE, "a late first revision"
    b.receive(make_ticket("o1"), at(0))
    b.bump_ticket("o1:wok", at(1))
    outcome = b.receive(make_ticket("o1", revision=2, cancelled=True), at(2))
    assert outcome.kind is OutcomeKind.CANCELLED and not outcome.alert
    assert b.on_screen() == [] and b.recent_bumps() == [], "a cancelled order cannot be recalled"


def test_bumping_a_ticket_reports_ready_for_the_whole_ticket() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    outcome = b.bump_ticket("o1:wok", at(90))
    assert outcome.kind is OutcomeKind.BUMPED
    assert states(outcome) == [("ready", ())]
    assert outcome.statuses[0].at == at(90) and outcome.statuses[0].order_id == "o1"
    assert b.on_screen() == [] and b.recent_bumps()[0].bumped_at == at(90)
    with pytest.raises(UnknownTicket):
        b.bump_ticket("o1:wok", at(91))


def test_item_bumps_report_the_line_and_the_last_item_bumps_the_ticket() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    first = b.bump_line("o1:wok", "l1", at(10))
    assert first.kind is OutcomeKind.LINE_BUMPED and states(first) == [("ready", ("l1",))]
    assert b.all_day() == [("鱼香肉丝", 1)]
    undo = b.bump_line("o1:wok", "l1", at(11))
    assert undo.kind is OutcomeKind.LINE_REOPENED and states(undo) == [("recalled", ("l1",))]
    b.bump_line("o1:wok", "l1", at(12))
    last = b.bump_line("o1:wok", "l2", at(13))
    assert last.kind is OutcomeKind.BUMPED
    assert states(last) == [("ready", ("l2",)), ("ready", ())]
    assert b.on_screen() == []


def test_recall_brings_back_the_most_recent_or_a_chosen_ticket() -> None:
    b = board()
    for n in range(3):
        b.receive(make_ticket(f"o{n}"), at(n))
        b.bump_ticket(f"o{n}:wok", at(10 + n))
    outcome = b.recall(None, at(20))
    assert outcome.kind is OutcomeKind.RECALLED and outcome.ticket_id == "o2:wok"
    assert states(outcome) == [("recalled", ())]
    b.recall("o0:wok", at(21))
    assert [t.ticket_id for t in b.on_screen()] == ["o0:wok", "o2:wok"], "back in its oldest-first place"
    assert all(t.recalled and t.phase is Phase.ACTIVE for t in b.on_screen())
    assert [t.ticket_id for t in b.recent_bumps()] == ["o1:wok"]
    with pytest.raises(UnknownTicket):
        b.recall("o2:wok", at(22))


def test_recall_of_a_ticket_done_item_by_item_opens_all_its_items() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    b.bump_line("o1:wok", "l1", at(1))
    b.bump_line("o1:wok", "l2", at(2))
    b.recall(None, at(3))
    assert [line.bumped for line in b.on_screen()[0].lines] == [False, False]


def test_recall_keeps_the_last_twenty_bumps_only() -> None:
    b = board()
    for n in range(25):
        b.receive(make_ticket(f"o{n}"), at(n))
        b.bump_ticket(f"o{n}:wok", at(100 + n))
    assert [t.ticket_id for t in b.recent_bumps()] == [f"o{n}:wok" for n in range(24, 4, -1)]
    assert len(b.tickets) == 20
    with pytest.raises(UnknownTicket):
        b.recall("o3:wok", at(200))
    assert b.receive(make_ticket("o3"), at(201)).kind is OutcomeKind.DUPLICATE, "still deduped"
    b.recall(None, at(202))
    b.recall(None, at(203))
    with pytest.raises(NothingToRecall):
        board().recall(None, at(0))


def test_a_change_after_the_bump_brings_the_ticket_back_with_only_the_new_item_open() -> None:
    b = board()
    b.receive(make_ticket("o1", lines=[("l1", "宫保鸡丁", 2)]), at(0))
    b.bump_ticket("o1:wok", at(60))
    outcome = b.receive(make_ticket("o1", revision=2, lines=[("l1", "宫保鸡丁", 2), ("l2", "米饭", 2)]), at(70))
    assert outcome.kind is OutcomeKind.CHANGED and outcome.alert and states(outcome) == [("shown", ())]
    ticket = b.on_screen()[0]
    assert ticket.phase is Phase.ACTIVE and b.recent_bumps() == []
    assert [(line.name, line.bumped, line.change) for line in ticket.lines] == [
        ("宫保鸡丁", True, LineChange.NONE),
        ("米饭", False, LineChange.ADDED),
    ]
    assert b.all_day() == [("米饭", 2)]


def test_a_removal_after_the_bump_keeps_it_bumped_and_tells_the_hub_again() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    b.bump_ticket("o1:wok", at(60))
    outcome = b.receive(make_ticket("o1", revision=2, lines=[("l1", "宫保鸡丁", 2)]), at(70))
    assert outcome.kind is OutcomeKind.UPDATED and states(outcome) == [("ready", ())]
    assert b.on_screen() == []


def test_change_marks_are_cleared_by_the_bump() -> None:
    b = board()
    b.receive(make_ticket("o1", lines=[("l1", "宫保鸡丁", 2), ("l2", "汤", 1)]), at(0))
    b.receive(make_ticket("o1", revision=2, lines=[("l1", "宫保鸡丁", 3)]), at(10))
    b.bump_ticket("o1:wok", at(20))
    b.recall(None, at(30))
    ticket = b.on_screen()[0]
    assert not ticket.changed
    assert [(line.line_id, line.change) for line in ticket.lines] == [("l1", LineChange.NONE)]


def test_tickets_for_another_store_or_station_are_refused() -> None:
    b = board()
    with pytest.raises(NotForThisDisplay, match="station grill"):
        b.receive(make_ticket("o1", station_id="grill"), at(0))
    with pytest.raises(NotForThisDisplay, match="store s2"):
        b.receive(make_ticket("o1", store_id="s2"), at(0))
    assert b.on_screen() == [] and b.seen == {}


def test_colour_ageing_uses_the_station_thresholds() -> None:
    b = board(stations=["wok", "grill"], thresholds={"grill": Thresholds(warn_after_s=480, late_after_s=720)})
    b.receive(make_ticket("o1"), at(0))
    b.receive(make_ticket("o1", station_id="grill"), at(0))
    wok, grill = sorted(b.on_screen(), key=lambda t: t.station_id, reverse=True)
    assert [b.level(wok, at(s)) for s in (0, 299, 300, 479, 480)] == [
        AgeLevel.FRESH,
        AgeLevel.FRESH,
        AgeLevel.WARN,
        AgeLevel.WARN,
        AgeLevel.LATE,
    ]
    assert [b.level(grill, at(s)) for s in (300, 480, 720)] == [AgeLevel.FRESH, AgeLevel.WARN, AgeLevel.LATE]
    assert b.level(wok, at(-60)) is AgeLevel.FRESH, "a clock step back never shows a negative age"


def test_all_day_counts_open_items_across_tickets() -> None:
    b = board()
    b.receive(make_ticket("o1", lines=[("l1", "宫保鸡丁", 2), ("l2", "米饭", 1)]), at(0))
    b.receive(make_ticket("o2", lines=[("l1", "宫保鸡丁", 1), ("l2", "米饭", 3)]), at(1))
    b.receive(make_ticket("o3", lines=[("l1", "水煮鱼", 1)]), at(2))
    b.bump_line("o2:wok", "l2", at(3))
    b.bump_ticket("o3:wok", at(4))
    assert b.all_day() == [("宫保鸡丁", 3), ("米饭", 1)]


def test_dedupe_records_are_forgotten_after_two_days_but_not_for_tickets_still_shown() -> None:
    b = board()
    b.receive(make_ticket("o1"), at(0))
    b.receive(make_ticket("o2"), at(0))
    b.bump_ticket("o2:wok", at(1))
    for n in range(25):  # push o2 out of the recall history
        b.receive(make_ticket(f"x{n}"), at(2))
        b.bump_ticket(f"x{n}:wok", at(3))
    assert "o2:wok" in b.seen
    b.expire(at(3 * 24 * 3600))
    assert "o2:wok" not in b.seen and "o1:wok" in b.seen


def test_lines_keep_modifiers_notes_and_allergens() -> None:
    b = board()
    line = TicketLine(
        line_id="l1", name="宫保鸡丁", quantity=1, modifiers=("少辣",), allergens=("花生",), note="分开装"
    )
    b.receive(make_ticket("o1", lines=[line]), at(0))
    shown = b.on_screen()[0].lines[0]
    assert (shown.modifiers, shown.allergens, shown.note) == (("少辣",), ("花生",), "分开装")


def test_statuses_carry_the_ticket_identity() -> None:
    b = board()
    outcome = b.receive(make_ticket("o1"), at(0))
    status = outcome.statuses[0]
    assert (status.ticket_id, status.order_id, status.store_id, status.station_id) == ("o1:wok", "o1", "s1", "wok")
    assert status.state is TicketState.SHOWN
