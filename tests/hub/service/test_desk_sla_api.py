"""SLA clocks through the API and the periodic job, on SQLite and PostgreSQL, with the clock pinned."""

from __future__ import annotations

from pathlib import Path

from tests.hub.service.desk import desk_on, local

MONDAY_10 = local("2026-12-07T10:00:00")


def _clock(ticket: dict[str, object], target: str) -> dict[str, object]:
    clocks = ticket["clocks"]
    assert isinstance(clocks, list)
    return next(c for c in clocks if c["target"] == target)


def test_a_breach_escalates_once_however_often_the_job_runs(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        ticket = desk.ticket(order_id=desk.order["id"], store_id=None)
        assert _clock(ticket, "first_response")["due_at"] == "2026-12-07T02:15:00Z"

        desk.clock.advance(minutes=14)
        desk.run_job()
        assert desk.sla_notices(ticket["id"]) == []
        desk.clock.advance(minutes=2)
        desk.run_job()
        assert len(desk.sla_notices(ticket["id"])) == 2
        desk.run_job()
        shown = desk.get(f"/service/tickets/{ticket['id']}")
        assert [(e["target"], e["kind"], e["level"]) for e in shown["sla_events"]] == [
            ("first_response", "breached", None),
            ("first_response", "escalated", "agent"),
        ]
        assert shown["escalation_level"] == "agent"
        assert shown["breached"] is True
        notices = desk.sla_notices(ticket["id"])
        assert [(n.ticket_id, n.kind, n.level, n.at) for n in notices] == [
            (ticket["id"], "breached", None, local("2026-12-07T10:15:00")),
            (ticket["id"], "escalated", "agent", local("2026-12-07T10:15:00")),
        ]
        assert [t["id"] for t in desk.get("/service/tickets", breached=True, store_id=desk.store_id)] == [ticket["id"]]


def test_the_first_response_clock_skips_the_lunch_break(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, local("2026-12-07T13:50:00")) as desk:
        ticket = desk.ticket()
        clock = _clock(ticket, "first_response")
        assert (clock["due_at"], clock["remaining_s"]) == ("2026-12-07T09:05:00Z", 900)  # 17:05 local

        desk.clock.now = local("2026-12-07T16:59:00")  # the break does not count
        queue = desk.get("/service/tickets", store_id=desk.store_id)
        assert _clock(queue[0], "first_response")["remaining_s"] == 300
        desk.run_job()
        assert desk.sla_notices(ticket["id"]) == []

        desk.clock.now = local("2026-12-07T17:04:59")
        desk.act(ticket["id"], "respond", "您好，我们马上为您处理")
        shown = desk.get(f"/service/tickets/{ticket['id']}")
        assert _clock(shown, "first_response")["status"] == "met"
        assert shown["messages"][0]["text"] == "您好，我们马上为您处理"


def test_a_public_holiday_holds_the_clock(any_db_url: str, tmp_path: Path) -> None:
    """20:55 on 30 April 2026: five minutes before closing, then Labour Day (1-5 May) is closed."""
    with desk_on(any_db_url, tmp_path, local("2026-04-30T20:55:00")) as desk:
        ticket = desk.ticket()
        assert _clock(ticket, "first_response")["due_at"] == "2026-05-06T02:10:00Z"  # 10:10 on 6 May

        desk.clock.now = local("2026-05-05T20:00:00")
        desk.run_job()
        assert desk.sla_notices(ticket["id"]) == []
        desk.clock.now = local("2026-05-06T10:10:00")
        desk.run_job()
        assert [(n.kind, n.at) for n in desk.sla_notices(ticket["id"])] == [
            ("breached", local("2026-05-06T10:10:00")),
            ("escalated", local("2026-05-06T10:10:00")),
        ]


def test_waiting_on_the_customer_pauses_the_resolution_clock(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        ticket = desk.ticket()
        desk.act(ticket["id"], "open")
        desk.clock.advance(minutes=5)
        desk.act(ticket["id"], "wait_on_customer", "请提供订单照片")
        desk.clock.advance(hours=2)
        waiting = desk.get(f"/service/tickets/{ticket['id']}")
        resolution = _clock(waiting, "resolution")
        assert (resolution["status"], resolution["elapsed_s"], resolution["due_at"]) == ("paused", 300, None)

        desk.act(ticket["id"], "resume")
        desk.clock.advance(minutes=10)
        resumed = _clock(desk.get(f"/service/tickets/{ticket['id']}"), "resolution")
        assert (resumed["status"], resumed["elapsed_s"]) == ("running", 900)


def test_bad_input_is_a_problem_not_a_ticket(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        for body in (
            {"kind": "complaint", "category": "cold_food", "summary": ""},
            {"kind": "rant", "category": "cold_food", "summary": "x"},
            {"kind": "quality", "category": "quality", "summary": "有异味"},  # a quality issue names what it is about
            {"kind": "complaint", "category": "cold_food", "summary": "x", "order_id": "no-such-order"},
        ):
            r = desk.client.post("/service/tickets", json=body, headers=desk.headers)
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
        ticket = desk.ticket()
        desk.act(ticket["id"], "open")
        r = desk.client.post(
            f"/service/tickets/{ticket['id']}/actions", json={"action": "resolve", "note": ""}, headers=desk.headers
        )
        assert r.status_code == 409 and "note" in r.json()["detail"]
        assert [t["id"] for t in desk.get("/service/tickets", store_id=desk.store_id)] == [ticket["id"]]
