"""The rider's board (which plan is shown, what may be reported next) and the reports' own checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.rider import DeliveryEventKind, FailureReason, RiderRoute, RouteStop
from rider_tracker.delivery_reports import Place, build_report
from rider_tracker.errors import InvalidReport
from rider_tracker.route_board import RouteBoard, RouteKind, StopState

T = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def plan(version: int, *orders: str, rider: str = "r-1", minutes: int = 0) -> RiderRoute:
    stops = tuple(
        RouteStop(stop_id=f"s{i}", order_id=o, sequence=i + 1, address="地址", lat=31.2, lon=121.4, eta=T)
        for i, o in enumerate(orders)
    )
    return RiderRoute(
        rider_id=rider, plan_id="p", version=version, planned_at=T + timedelta(minutes=minutes), stops=stops
    )


def test_only_newer_plans_for_this_rider_are_shown() -> None:
    board = RouteBoard("r-1")
    assert board.apply_route(plan(2, "a", "b"))
    assert not board.apply_route(plan(1, "x"))  # an older plan redelivered late
    assert not board.apply_route(plan(3, "y", rider="r-2"))
    assert board.apply_route(plan(1, "c", minutes=5))  # a new plan id, planned later
    assert [r.stop.order_id for r in board.rows()] == ["c"]


def test_reports_follow_the_order_of_a_delivery_and_survive_a_re_plan() -> None:
    board = RouteBoard("r-1")
    board.apply_route(plan(1, "a", "b"))
    with pytest.raises(InvalidReport, match="not on today's route"):
        board.check("zz", DeliveryEventKind.PICKED_UP)
    with pytest.raises(InvalidReport, match="cannot report arrived"):
        board.check("a", DeliveryEventKind.ARRIVED)
    board.check("a", DeliveryEventKind.PICKED_UP)
    board.record("a", DeliveryEventKind.PICKED_UP)
    board.check("a", DeliveryEventKind.DELIVERED)  # the geofence may have missed the arrival
    board.record("a", DeliveryEventKind.FAILED, FailureReason.REFUSED)
    with pytest.raises(InvalidReport, match="is failed"):
        board.check("a", DeliveryEventKind.DELIVERED)
    board.apply_route(plan(2, "b", "a"))
    rows = board.rows()
    assert [(r.stop.order_id, r.state) for r in rows] == [("b", StopState.PLANNED), ("a", StopState.FAILED)]
    assert rows[1].reason is FailureReason.REFUSED
    assert board.next_open() is not None and board.next_open().order_id == "b"  # type: ignore[union-attr]


def test_a_round_and_the_order_route_are_newer_or_older_each_on_its_own() -> None:
    board = RouteBoard("r-1")
    assert board.apply_route(plan(1, "a", "b"))
    assert board.apply_route(plan(1, "m1", "m2", minutes=60), RouteKind.ROUND)  # later, yet replaces no order
    assert not board.apply_route(plan(1, "late", minutes=30), RouteKind.ROUND)  # older than the round shown
    assert board.apply_route(plan(2, "b"))  # a re-plan of the orders, planned before the round
    assert [r.stop.order_id for r in board.rows()] == ["b", "m1", "m2"]
    board.check("m2", DeliveryEventKind.PICKED_UP)  # a round's stop may be reported like any other
    assert board.apply_route(plan(2, minutes=61), RouteKind.ROUND)  # the round released: no stops
    assert [r.stop.order_id for r in board.rows()] == ["b"]
    with pytest.raises(InvalidReport, match="not on today's route"):
        board.check("m2", DeliveryEventKind.PICKED_UP)


def test_a_plan_naming_an_order_twice_shows_it_once() -> None:
    board = RouteBoard("r-1")
    board.apply_route(plan(1, "a", "a", "b"))
    assert [r.stop.order_id for r in board.rows()] == ["a", "b"]


def test_reports_need_their_proof_or_reason() -> None:
    base = {"rider_id": "r-1", "order_id": "o-1", "at": T}
    with pytest.raises(InvalidReport, match="4-digit code or a note"):
        build_report(kind=DeliveryEventKind.DELIVERED, **base)
    with pytest.raises(InvalidReport, match="4 digits"):
        build_report(kind=DeliveryEventKind.DELIVERED, code="12a4", **base)
    with pytest.raises(InvalidReport, match="why"):
        build_report(kind=DeliveryEventKind.FAILED, **base)
    with pytest.raises(InvalidReport, match="needs a note"):
        build_report(kind=DeliveryEventKind.FAILED, reason=FailureReason.OTHER, note="  ", **base)
    with pytest.raises(InvalidReport, match="refused"):
        build_report(kind=DeliveryEventKind.ARRIVED, note="x" * 3000, **base)
    ok = build_report(kind=DeliveryEventKind.DELIVERED, code=" 0042 ", place=Place(31.2, 121.4), **base)
    assert (ok.proof_code, ok.lat, ok.lon, ok.reason) == ("0042", 31.2, 121.4, None)
    noted = build_report(kind=DeliveryEventKind.DELIVERED, note="放门口保温箱", reason=FailureReason.DAMAGED, **base)
    assert noted.proof_code is None and noted.reason is None  # a reason only goes with a failure
