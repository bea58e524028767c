"""The rider's screen: today's stops in order with address, window, ETA and notes; keys that report
each event, which then reach the hub's side of the contract."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label, OptionList, Static

from contracts import topics
from contracts.envelope import encode_body
from contracts.rider import DeliveryEventKind, FailureReason, RiderRoute, RouteStop
from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.nmea_sentences import write_log
from mqttlink import FakeBroker, FakeMqttLink, MqttMessage, MqttSettings, PahoMqttLink
from rider_tracker.route_board import StopState
from rider_tracker.runtime import RiderRuntime
from rider_tracker.settings import BatchSettings, ReplaySettings, RiderSettings
from rider_tracker.ui.app import RiderApp
from rider_tracker.ui.report_dialogs import FailureDialog, ProofDialog
from tests.rider_tracker.hub_stand_in import HubStandIn
from tests.rider_tracker.rig import RIDER, RiderRig

pytestmark = pytest.mark.ui

PLANNED = datetime(2026, 3, 1, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai


def stop(seq: int, order: str, address: str, eta_min: int, notes: str | None = None, window: bool = True) -> RouteStop:
    eta = PLANNED + timedelta(minutes=eta_min)
    return RouteStop(
        stop_id=f"s-{order}",
        order_id=order,
        sequence=seq,
        address=address,
        lat=31.23 + seq / 1000,
        lon=121.47 + seq / 1000,
        window_start=PLANNED + timedelta(minutes=eta_min - 15) if window else None,
        window_end=PLANNED + timedelta(minutes=eta_min + 10) if window else None,
        eta=eta,
        notes=notes,
    )


def route(version: int = 1, *stops: RouteStop) -> RiderRoute:
    return RiderRoute(
        rider_id=RIDER,
        plan_id="p-1",
        version=version,
        planned_at=PLANNED + timedelta(minutes=version - 1),
        stops=stops
        or (
            stop(2, "o-2", "上海市静安区南京西路1266号", 25, "放门口保温箱"),
            stop(1, "o-1", "上海市黄浦区南京东路1号 3楼", 12, "到了打电话"),
            stop(3, "o-3", "上海市徐汇区衡山路8号", 40, window=False),
        ),
    )


def retain(broker: FakeBroker, plan: RiderRoute) -> None:
    topic = topics.RIDER_ROUTE.build(rider_id=RIDER)
    broker.retained[topic] = MqttMessage(topic, encode_body(plan, source="hub"), 1, True)


def make_app(tmp_path: Path, broker: FakeBroker) -> RiderApp:
    link = FakeMqttLink(broker)
    rig = RiderRig(tmp_path / "spool.sqlite3", link)
    runtime = RiderRuntime(
        rider_id=RIDER,
        unit_id=RIDER,
        root="brigade",
        link=link,
        spool=rig.spool,
        outbox=rig.outbox,
        tracker=rig.tracker,
        board=rig.board,
        replies=rig.replies,
    )
    return RiderApp(runtime, timezone="Asia/Shanghai")


async def hub_on(broker: FakeBroker) -> HubStandIn:
    link = FakeMqttLink(broker)
    await link.start()
    return await HubStandIn(link, root="brigade").start()


def cells(app: RiderApp) -> list[list[str]]:
    table = app.query_one("#stops", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_stops_are_listed_in_order_with_window_eta_and_notes(tmp_path: Path) -> None:
    broker = FakeBroker()
    retain(broker, route())
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        rows = cells(app)
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert rows[0][1:5] == ["11:27–11:52", "11:42", "上海市黄浦区南京东路1号 3楼", "到了打电话"]
    assert rows[1][4] == "放门口保温箱"
    assert rows[2][1] == "任意 any"
    assert all(r[5] == "待取 planned" for r in rows)


async def test_each_key_reports_its_event_and_the_hub_receives_them(tmp_path: Path) -> None:
    broker = FakeBroker()
    retain(broker, route())
    hub = await hub_on(broker)
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        await pilot.press("P")  # everything picked up at the store
        await hub.wait_until(lambda: len(hub.events) == 3, timeout=10)
        await pilot.press("a")  # arrived at stop 1
        await hub.wait_until(lambda: len(hub.events) == 4, timeout=10)
        await pilot.press("d")
        assert isinstance(app.screen, ProofDialog)
        await pilot.press("4", "8", "2", "1", "enter")
        await hub.wait_until(lambda: len(hub.events) == 5, timeout=10)
        await hub.wait_until(lambda: app.runtime.board.row_of("o-1").done, timeout=10)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[0][5] == "已送达 delivered"
        await pilot.press("down", "f")
        assert isinstance(app.screen, FailureDialog)
        await pilot.press("down", "enter")  # the second reason: wrong address
        await hub.wait_until(lambda: len(hub.events) == 6, timeout=10)
        await hub.wait_until(lambda: app.runtime.board.row_of("o-2").done, timeout=10)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[1][5] == "失败 failed (wrong_address)"
    kinds = [(e.order_id, e.kind) for e in hub.events]
    assert kinds == [
        ("o-1", DeliveryEventKind.PICKED_UP),
        ("o-2", DeliveryEventKind.PICKED_UP),
        ("o-3", DeliveryEventKind.PICKED_UP),
        ("o-1", DeliveryEventKind.ARRIVED),
        ("o-1", DeliveryEventKind.DELIVERED),
        ("o-2", DeliveryEventKind.FAILED),
    ]
    assert hub.events[4].proof_code == "4821"
    assert hub.events[5].reason is FailureReason.WRONG_ADDRESS


async def test_a_delivery_needs_a_proof_and_other_failures_need_a_note(tmp_path: Path) -> None:
    broker = FakeBroker()
    retain(broker, route())
    hub = await hub_on(broker)
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await hub.wait_until(lambda: len(hub.events) == 3, timeout=10)
        await pilot.press("d", "enter")  # no code, no note
        assert isinstance(app.screen, ProofDialog)
        assert "needed" in str(app.screen.query_one("#problem", Label).render())
        await pilot.press("1", "2", "enter")  # two digits
        assert "4 digits" in str(app.screen.query_one("#problem", Label).render())
        app.screen.query_one("#code", Input).value = ""
        app.screen.query_one("#note", Input).focus()
        await pilot.press(*"放门口保温箱", "enter")
        await hub.wait_until(lambda: len(hub.events) == 4, timeout=10)
        await pilot.press("down", "f")
        dialog = app.screen
        assert isinstance(dialog, FailureDialog)
        dialog.query_one("#reasons", OptionList).highlighted = 4  # other
        await pilot.press("enter")
        assert isinstance(app.screen, FailureDialog)  # a note is needed first
        await pilot.press(*"客户改地址", "enter")
        await hub.wait_until(lambda: len(hub.events) == 5, timeout=10)
    assert hub.events[3].kind is DeliveryEventKind.DELIVERED
    assert hub.events[3].note == "放门口保温箱" and hub.events[3].proof_code is None
    assert hub.events[4].reason is FailureReason.OTHER and hub.events[4].note == "客户改地址"


async def test_a_report_out_of_order_is_refused_on_screen_and_never_sent(tmp_path: Path) -> None:
    broker = FakeBroker()
    retain(broker, route())
    hub = await hub_on(broker)
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")  # arrived before picking it up
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert any("cannot report arrived" in str(n.message) for n in app._notifications)
        assert cells(app)[0][5] == "待取 planned"
    assert hub.events == []


async def test_a_new_plan_replaces_the_stops_and_what_was_reported_stays_after_a_restart(tmp_path: Path) -> None:
    broker = FakeBroker()
    retain(broker, route())
    hub = await hub_on(broker)
    app = make_app(tmp_path, broker)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await hub.wait_until(lambda: len(hub.events) == 1, timeout=10)
        replan = route(
            2, stop(1, "o-1", "上海市黄浦区南京东路1号 3楼", 14), stop(2, "o-4", "上海市长宁区愚园路1号", 30)
        )
        publisher = FakeMqttLink(broker)
        await publisher.start()
        await publisher.publish(
            topics.RIDER_ROUTE.build(rider_id=RIDER), encode_body(replan, source="hub"), retain=True
        )
        await pilot.pause()
        rows = cells(app)
        assert [r[3] for r in rows] == ["上海市黄浦区南京东路1号 3楼", "上海市长宁区愚园路1号"]
        assert rows[0][5] == "已取 picked up"
    # The unit restarts offline: the last plan and the reports come from its spool.
    offline = make_app(tmp_path, FakeBroker())
    async with offline.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        rows = cells(offline)
        assert [r[3] for r in rows] == ["上海市黄浦区南京东路1号 3楼", "上海市长宁区愚园路1号"]
        assert rows[0][5] == "已取 picked up"
        assert offline.runtime.board.state_of("o-1") is StopState.PICKED_UP


async def test_the_cut_off_round_joins_the_order_route_and_a_re_plan_of_either_keeps_the_other(
    tmp_path: Path,
) -> None:
    """Seen with a milk depot: the store's 20:05 cut-off pushed tomorrow's round on the rider's route
    topic, and the evening's order stops vanished from the bike until the dispatcher re-planned (which
    then took the round away). Each kind of plan now has its topic; the screen shows both."""
    broker = FakeBroker()
    retain(broker, route())
    app = make_app(tmp_path, broker)
    milk = RiderRoute(
        rider_id=RIDER,
        plan_id="sub-20260302-route-1",
        version=1,
        planned_at=PLANNED + timedelta(hours=9),  # planned after the orders: it must not replace them
        stops=(
            stop(1, "m-1", "上海市长宁区愚园路9号", 600, "放门口保温箱"),
            stop(2, "m-2", "上海市长宁区江苏路5号", 610),
        ),
    )
    orders = ["上海市黄浦区南京东路1号 3楼", "上海市静安区南京西路1266号", "上海市徐汇区衡山路8号"]
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        publisher = FakeMqttLink(broker)
        await publisher.start()
        await publisher.publish(topics.RIDER_ROUND.build(rider_id=RIDER), encode_body(milk, source="hub"), retain=True)
        await pilot.pause()
        assert [r[3] for r in cells(app)] == [*orders, "上海市长宁区愚园路9号", "上海市长宁区江苏路5号"]
        plan = str(app.query_one("#plan", Static).render())
        assert "路线 plan p-1 v1" in plan and "0/3 完成 done" in plan
        assert "配送轮次 round sub-20260302-route-1 v1" in plan and "0/2 完成 done" in plan
        replan = route(2, stop(1, "o-1", "上海市黄浦区南京东路1号 3楼", 14))
        await publisher.publish(
            topics.RIDER_ROUTE.build(rider_id=RIDER), encode_body(replan, source="hub"), retain=True
        )
        await pilot.pause()
        assert [r[3] for r in cells(app)] == [orders[0], "上海市长宁区愚园路9号", "上海市长宁区江苏路5号"]
    offline = make_app(tmp_path, FakeBroker())  # restarted without network: both plans from the spool
    async with offline.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        assert [r[3] for r in cells(offline)] == [orders[0], "上海市长宁区愚园路9号", "上海市长宁区江苏路5号"]


def test_snapshot_stops(tmp_path: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    broker = FakeBroker()
    retain(broker, route())
    assert snap_compare(make_app(tmp_path, broker), terminal_size=(110, 14))


def test_snapshot_proof_dialog(tmp_path: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    broker = FakeBroker()
    retain(broker, route())
    assert snap_compare(make_app(tmp_path, broker), press=["down", "d"], terminal_size=(110, 22))


@pytest.mark.integration
async def test_the_screen_built_from_settings_tracks_and_reports_over_mosquitto(
    tmp_path: Path, mosquitto_settings: MqttSettings
) -> None:
    """``brigade-rider``'s own wiring: settings -> runtime (paho, spool, outbox, replayed GPS) -> screen."""
    root = mosquitto_settings.topic_root
    log = tmp_path / "ride.nmea"
    write_log(drive(BikeRoute(), start=datetime.now(UTC).replace(microsecond=0), limit_s=60), log)
    settings = RiderSettings(
        rider_id=RIDER,
        device_id=f"unit-{uuid.uuid4().hex[:8]}",
        source="replay",
        replay=ReplaySettings(path=log, speed=10, rebase_times=True),
        mqtt=mosquitto_settings,
        spool_path=tmp_path / "spool.sqlite3",
        batching=BatchSettings(online_max_positions=2, online_max_delay_s=0.5),
    )
    hub_link = PahoMqttLink(mosquitto_settings.model_copy(update={"client_id": f"hub-{uuid.uuid4().hex[:8]}"}))
    await hub_link.start()
    await hub_link.wait_connected(10)
    hub = await HubStandIn(hub_link, root=root).start()
    await hub_link.publish(
        topics.RIDER_ROUTE.build(root=root, rider_id=RIDER), encode_body(route(), source="hub"), retain=True
    )
    app = RiderApp(RiderRuntime.from_settings(settings), timezone=settings.timezone)
    try:
        async with app.run_test(size=(120, 24)) as pilot:
            await hub.wait_until(lambda: len(hub.positions) >= 3, timeout=20)
            await hub.wait_until(lambda: app.runtime.board.shown, timeout=10)
            await pilot.pause()
            status = str(app.query_one("#status", Static).render())
            assert "在线 online" in status and "GPS" in status and "no fix" not in status
            await pilot.press("p")
            await hub.wait_until(lambda: len(hub.events) == 1, timeout=10)
        event = hub.events[0]
        assert (event.order_id, event.kind) == ("o-1", DeliveryEventKind.PICKED_UP)
        assert event.lat is not None  # where the bike was when the rider pressed the key
    finally:
        await hub_link.publish(topics.RIDER_ROUTE.build(root=root, rider_id=RIDER), b"", retain=True)
        await hub_link.stop()
