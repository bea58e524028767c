"""The rider's screen shows what the hub said of each report: "pending confirmation" until it answers,
then done, or the stop open again with the hub's reason (a wrong delivery code), across restarts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from contracts.envelope import Envelope
from contracts.rider import DeliveryEvent, DeliveryEventKind
from mqttlink import FakeBroker
from rider_tracker.route_board import StopState
from rider_tracker.spool import RiderSpool
from rider_tracker.ui.app import RiderApp
from tests.rider_tracker.hub_stand_in import HubStandIn
from tests.rider_tracker.test_rider_screen import cells, hub_on, make_app, retain, route, stop

pytestmark = pytest.mark.ui

CODE = "7454"
WRONG = "wrong delivery code for order o-1: ask the customer for their 4-digit code and enter it again"


def one_stop() -> Any:
    return route(1, stop(1, "o-1", "上海市黄浦区南京东路1号 3楼", 12))


def refuse_wrong_codes(envelope: Envelope[Any]) -> tuple[str, str] | None:
    body = envelope.body
    if isinstance(body, DeliveryEvent) and body.kind is DeliveryEventKind.DELIVERED and body.proof_code != CODE:
        return "delivery.wrong_code", WRONG
    return None


def plan_line(app: RiderApp) -> str:
    return str(app.query_one("#plan").render())


def messages(app: RiderApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def deliver_with(pilot: Any, code: str) -> None:
    await pilot.press("d", *code, "enter")


async def test_a_wrong_code_reopens_the_stop_with_the_hubs_reason_and_the_right_code_completes_it(
    tmp_path: Path,
) -> None:
    broker = FakeBroker()
    retain(broker, one_stop())
    hub = await hub_on(broker)
    hub.refuse = refuse_wrong_codes
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        hub.ack = False  # the hub has not answered yet
        await pilot.press("p")
        await hub.wait_until(lambda: len(hub.envelopes) == 1)
        await pilot.pause()
        assert cells(app)[0][5] == "已取 picked up · 待确认 pending confirmation"
        hub.ack = True
        await hub.release()
        await hub.wait_until(lambda: app.runtime.board.row_of("o-1").pending is False)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[0][5] == "已取 picked up"

        await deliver_with(pilot, "0000")  # the rider mistyped the code
        await hub.wait_until(lambda: len(hub.refused) == 1)
        await hub.wait_until(lambda: app.runtime.board.row_of("o-1").refusal is not None)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[0][5] == f"已取 picked up · 被拒 refused: {WRONG}"
        assert "0/1 完成 done" in plan_line(app)
        assert any(WRONG in m and "o-1" in m for m in messages(app))
        assert app.runtime.board.state_of("o-1") is StopState.PICKED_UP

        await deliver_with(pilot, CODE)  # the stop is open: the right code is accepted
        await hub.wait_until(lambda: [e.proof_code for e in hub.events if e.kind is DeliveryEventKind.DELIVERED])
        await hub.wait_until(lambda: app.runtime.board.row_of("o-1").done)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[0][5] == "已送达 delivered"
        assert "1/1 完成 done" in plan_line(app)
    assert [(e.kind, e.proof_code) for e in hub.events] == [
        (DeliveryEventKind.PICKED_UP, None),
        (DeliveryEventKind.DELIVERED, CODE),
    ]


async def test_until_the_hub_answers_a_delivery_is_not_done_and_the_answer_survives_a_restart(
    tmp_path: Path,
) -> None:
    broker = FakeBroker()
    retain(broker, one_stop())
    hub = await hub_on(broker)
    hub.refuse = refuse_wrong_codes
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await hub.wait_until(lambda: len(hub.events) == 1)
        hub.ack = False
        await deliver_with(pilot, "0000")
        await hub.wait_until(lambda: len(hub.refused) == 1)
        await pilot.pause()
        assert cells(app)[0][5] == "已送达 delivered · 待确认 pending confirmation"
        assert "0/1 完成 done" in plan_line(app)  # not done before the hub says so

    # The unit restarts before the hub answers: still pending; then the refusal arrives.
    again = make_app(tmp_path, broker)
    async with again.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        assert cells(again)[0][5] == "已送达 delivered · 待确认 pending confirmation"
        hub.ack = True
        await hub.release()
        await hub.wait_until(lambda: again.runtime.board.row_of("o-1").refusal is not None)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(again)[0][5] == f"已取 picked up · 被拒 refused: {WRONG}"

    # And once more, offline: the spool remembers what the hub said.
    offline = make_app(tmp_path, FakeBroker())
    async with offline.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        assert cells(offline)[0][5] == f"已取 picked up · 被拒 refused: {WRONG}"


async def test_a_report_pending_when_the_unit_lost_its_outbox_row_is_sent_again_under_the_same_id(
    tmp_path: Path,
) -> None:
    """A power cut between the spool's record and the outbox's row: the report is queued again on start."""
    broker = FakeBroker()
    retain(broker, one_stop())
    hub: HubStandIn = await hub_on(broker)
    unheard = FakeBroker()  # a broker no hub listens to: nothing the unit sends is answered
    retain(unheard, one_stop())
    app = make_app(tmp_path, unheard)
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = app.runtime.spool.reports()[0]
        app.runtime.outbox.acknowledge([report.message_id])  # the row is gone, the hub never heard of it
    again = make_app(tmp_path, broker)
    async with again.run_test(size=(160, 24)) as pilot:
        await hub.wait_until(lambda: len(hub.events) == 1)
        await hub.wait_until(lambda: again.runtime.board.row_of("o-1").pending is False)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(again)[0][5] == "已取 picked up"
    assert str(hub.envelopes[0].id) == report.message_id


async def test_any_refused_event_reopens_its_stop_with_the_reason(tmp_path: Path) -> None:
    """Not only codes: a pick-up the hub refuses (the order was cancelled) leaves the stop to pick up."""
    cancelled = "only a ready order can be picked up; order o-1 is cancelled"
    broker = FakeBroker()
    retain(broker, one_stop())
    hub = await hub_on(broker)
    hub.refuse = lambda envelope: ("order.invalid_transition", cancelled)
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await hub.wait_until(lambda: app.runtime.board.row_of("o-1").refusal is not None)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[0][5] == f"待取 planned · 被拒 refused: {cancelled}"
        assert any(cancelled in m and "picked_up" in m for m in messages(app))
    assert hub.events == []


def test_a_spool_of_the_first_release_keeps_its_reports_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE rider_reports (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE, "
        "order_id TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT, at TEXT NOT NULL)"
    )
    old.execute(
        "INSERT INTO rider_reports (message_id, order_id, kind, at) VALUES ('m-1', 'o-1', 'picked_up', ?)",
        ("2026-03-01T03:30:00+00:00",),
    )
    old.commit()
    old.close()
    spool = RiderSpool(path)
    [report] = spool.reports()
    assert (report.order_id, report.kind, report.outcome) == ("o-1", DeliveryEventKind.PICKED_UP, "applied")
    assert spool.unsettled_reports() == []
    spool.close()
