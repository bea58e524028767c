"""The stations' open-ticket lists the edge agent keeps for the displays: the rules, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.kitchen import TicketState, TicketStatus
from edge_agent.open_tickets import OpenTickets
from tests.kds_terminal.pilot import make_ticket

T0 = datetime(2025, 3, 14, 3, 30, tzinfo=UTC)


def status(ticket_id: str, state: TicketState, at: datetime, *lines: str) -> TicketStatus:
    order_id = ticket_id.split(":", maxsplit=1)[0]
    return TicketStatus(
        ticket_id=ticket_id,
        order_id=order_id,
        store_id="s1",
        station_id="wok",
        state=state,
        line_ids=lines,
        device_id="kds-1",
        at=at,
    )


def open_ids(lists: OpenTickets, now: datetime = T0 + timedelta(minutes=30)) -> list[str]:
    return [t.ticket.ticket_id for t in lists.snapshot("wok", now).tickets]


def test_a_whole_ticket_bump_closes_an_item_bump_does_not_and_a_recall_reopens() -> None:
    lists = OpenTickets("s1")
    lists.ticket(make_ticket("o1"), T0)
    lists.ticket(make_ticket("o2"), T0 + timedelta(seconds=1))
    assert lists.status(status("o1:wok", TicketState.READY, T0 + timedelta(minutes=1), "l1")) is None
    assert open_ids(lists) == ["o1:wok", "o2:wok"]
    change = lists.status(status("o1:wok", TicketState.READY, T0 + timedelta(minutes=2)))
    assert change is not None and change.closed is not None and change.closed.device_id == "kds-1"
    assert open_ids(lists) == ["o2:wok"]
    assert lists.status(status("o1:wok", TicketState.RECALLED, T0 + timedelta(minutes=1))) is None, "older recall"
    assert lists.status(status("o1:wok", TicketState.RECALLED, T0 + timedelta(minutes=3))) is not None
    assert open_ids(lists) == ["o1:wok", "o2:wok"], "timed from its first arrival, so still first"


def test_a_bump_older_than_the_latest_revision_leaves_the_ticket_open() -> None:
    lists = OpenTickets("s1")
    lists.ticket(make_ticket("o1"), T0)
    lists.ticket(make_ticket("o1", revision=2), T0 + timedelta(minutes=5))
    assert lists.status(status("o1:wok", TicketState.READY, T0 + timedelta(minutes=4))) is None
    assert open_ids(lists) == ["o1:wok"]


def test_a_change_after_the_bump_reopens_a_reprint_does_not_a_cancel_closes() -> None:
    lists = OpenTickets("s1")
    lists.ticket(make_ticket("o1"), T0)
    lists.ticket(make_ticket("o2"), T0)
    lists.status(status("o1:wok", TicketState.READY, T0 + timedelta(minutes=1)))
    lists.ticket(make_ticket("o1", revision=2, reprint=True), T0 + timedelta(minutes=2))
    assert open_ids(lists) == ["o2:wok"]
    lists.ticket(make_ticket("o1", revision=3), T0 + timedelta(minutes=3))
    assert open_ids(lists) == ["o1:wok", "o2:wok"]
    lists.ticket(make_ticket("o2", revision=2, cancelled=True), T0 + timedelta(minutes=4))
    snapshot = lists.snapshot("wok", T0 + timedelta(minutes=5))
    assert [t.ticket.ticket_id for t in snapshot.tickets] == ["o1:wok"]
    assert [(c.ticket_id, c.reason, c.revision) for c in snapshot.closed] == [("o2:wok", "cancelled", 2)]


def test_old_tickets_leave_the_list_and_the_list_is_bounded() -> None:
    lists = OpenTickets("s1", max_age=timedelta(hours=1), limit=3)
    for n in range(5):
        lists.ticket(make_ticket(f"o{n}"), T0 + timedelta(minutes=n))
    assert open_ids(lists, T0 + timedelta(minutes=10)) == ["o2:wok", "o3:wok", "o4:wok"], "the newest three"
    assert open_ids(lists, T0 + timedelta(minutes=62, seconds=30)) == ["o3:wok", "o4:wok"]
    assert lists.prune(T0 + timedelta(hours=3)) == {"wok"}
    assert open_ids(lists, T0 + timedelta(hours=3)) == []
