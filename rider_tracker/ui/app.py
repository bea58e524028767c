"""The rider's screen: today's stops in order, and keys to report each event.

p picked up · P picked up all · a arrived · d delivered (code or note) · f failed (reason).
Reports are queued durably (they reach the hub when the network allows); the screen never waits
on the network. A stop shows "pending confirmation" until the hub answers; a report the hub refuses
(a wrong delivery code, a cancelled order) reopens the stop with the hub's reason.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Static

from contracts.rider import DeliveryEventKind, FailureReason, RiderRoute, RouteStop
from rider_tracker.errors import RiderError
from rider_tracker.fix_validity import Verdict
from rider_tracker.hub_replies import Answer
from rider_tracker.route_board import RouteKind, StopState
from rider_tracker.runtime import RiderRuntime
from rider_tracker.ui import stop_format
from rider_tracker.ui.report_dialogs import Failure, FailureDialog, Proof, ProofDialog

logger = logging.getLogger(__name__)

PLAN_LABELS = {RouteKind.ORDERS: "路线 plan", RouteKind.ROUND: "配送轮次 round"}
COLUMNS = ("#", "时间窗 window", "ETA", "地址 address", "备注 notes", "状态 status")


class RiderApp(App[None]):
    CSS_PATH = Path(__file__).with_name("rider.tcss")
    TITLE = "Brigade 骑手"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "report('picked_up')", "取货 picked up"),
        Binding("P", "pick_up_all", "全部取货 all"),
        Binding("a", "report('arrived')", "到达 arrived"),
        Binding("d", "report('delivered')", "送达 delivered"),
        Binding("f", "report('failed')", "失败 failed"),
        Binding("q", "quit", "退出 quit"),
    ]

    def __init__(self, runtime: RiderRuntime, *, timezone: str = "Asia/Shanghai", start_runtime: bool = True) -> None:
        super().__init__()
        self.runtime = runtime
        self.zone = ZoneInfo(timezone)
        self._start_runtime = start_runtime
        self._started = False
        self._unsent = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        yield Static("", id="notice")
        yield Static("", id="plan")
        table: DataTable[str] = DataTable(id="stops", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one("#stops", DataTable)
        table.add_columns(*COLUMNS)
        self.runtime.feed.on_route(self._route_arrived)
        self.runtime.tracker.on_change(self._tracker_changed)
        self.runtime.replies.on_answer(self._hub_answered)
        if self._start_runtime:
            await self.runtime.start()
        self._started = True
        self.refresh_stops()
        self.refresh_status()
        self.set_interval(1.0, self.count_unsent)

    async def on_unmount(self) -> None:
        if self._start_runtime:
            await self.runtime.stop()

    # -- drawing ------------------------------------------------------------------------------

    def _route_arrived(self, route: RiderRoute) -> None:
        self.refresh_stops()
        if self._started:  # not for the plan already waiting when the screen opens
            self.notify(f"新路线 new route v{route.version}", timeout=3)

    def _tracker_changed(self) -> None:
        self.refresh_status()

    def _hub_answered(self, answer: Answer) -> None:
        self.refresh_stops()
        self.refresh_status()
        if not answer.refused:
            return
        if answer.order_id is None:
            self.notify(f"{stop_format.positions_refused(answer.code)}: {answer.reason}", severity="error", timeout=10)
            return
        kind = answer.kind.value if answer.kind is not None else "report"
        self.notify(
            f"{stop_format.REFUSED_LABEL} {kind} · {answer.order_id}: {answer.reason}", severity="error", timeout=10
        )

    def refresh_stops(self) -> None:
        try:
            table = self.query_one("#stops", DataTable)
        except NoMatches:  # a count or an answer finishing while the screen is taken down
            return
        selected = self._selected_order()
        table.clear()
        board = self.runtime.board
        for row in board.rows():
            eta = stop_format.clock(row.stop.eta, self.zone) + (" !" if stop_format.late(row) else "")
            table.add_row(
                str(row.stop.sequence),
                stop_format.window(row, self.zone),
                eta,
                row.stop.address,
                row.stop.notes or "",
                stop_format.state(row),
                key=row.stop.order_id,
            )
        plan = self.query_one("#plan", Static)
        shown = board.shown
        if not shown:
            plan.update("暂无路线 no route yet")
        else:
            done = {r.stop.order_id for r in board.rows() if r.done}
            plan.update(
                "  |  ".join(
                    f"{PLAN_LABELS[kind]} {route.plan_id} v{route.version} · "
                    f"{stop_format.clock(route.planned_at, self.zone)} · "
                    f"{sum(1 for s in route.stops if s.order_id in done)}/{len(route.stops)} 完成 done"
                    for kind, route in shown
                )
            )
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    def refresh_status(self) -> None:
        try:
            line, notice = self.query_one("#status", Static), self.query_one("#notice", Static)
        except NoMatches:  # a count or an answer finishing while the screen is taken down
            return
        status = self.runtime.tracker.status
        fix = status.last_accepted
        if status.dropped_run and status.last_drop is not None:
            label = "GPS 时间错误 GPS time is wrong" if status.time_wrong else "GPS 丢弃 dropping fixes"
            gps = f"{label} · {status.dropped_run} ({status.last_drop.value})"
        elif fix is None:
            gps = "GPS 无信号 no fix"
        else:
            age = time.monotonic() - fix.received_mono
            gps = (
                f"GPS {status.last_verdict} {age:.0f}s" if status.last_verdict is Verdict.NO_FIX else f"GPS {age:.0f}s"
            )
        refused = self.runtime.replies.positions_refused
        if refused is not None:
            gps = stop_format.positions_refused(refused.code)
        link = "在线 online" if self.runtime.link.connected else "离线 offline"
        line.update(f"骑手 {self.runtime.rider_id} · {gps} · {link} · 待上传 unsent {self._unsent}")
        notice.update(f"{stop_format.positions_refused(refused.code)}: {refused.reason}" if refused else "")
        notice.display = refused is not None

    @work(group="status", exclusive=True, exit_on_error=False)
    async def count_unsent(self) -> None:
        """The spool is SQLite: counted in a worker thread, never on the screen's loop."""
        self._unsent = await self.runtime.unsent()
        self.refresh_status()

    # -- actions ------------------------------------------------------------------------------

    def _selected_order(self) -> str | None:
        table = self.query_one("#stops", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    def _selected_stop(self) -> RouteStop | None:
        order_id = self._selected_order()
        return next((r.stop for r in self.runtime.board.rows() if r.stop.order_id == order_id), None)

    def action_report(self, kind_name: str) -> None:
        kind = DeliveryEventKind(kind_name)
        stop = self._selected_stop()
        if stop is None:
            self.notify("没有选中的站点 no stop selected", severity="warning")
            return
        if kind is DeliveryEventKind.DELIVERED:
            self.push_screen(ProofDialog(stop), lambda proof: self._proved(stop, proof))
        elif kind is DeliveryEventKind.FAILED:
            self.push_screen(FailureDialog(stop), lambda failure: self._failed(stop, failure))
        else:
            self.send_report(stop.order_id, kind)

    @work(group="reports", exclusive=False)
    async def action_pick_up_all(self) -> None:
        waiting = [row.stop.order_id for row in self.runtime.board.rows() if row.state is StopState.PLANNED]
        for order_id in waiting:
            try:
                await self.runtime.report(order_id, DeliveryEventKind.PICKED_UP)
            except RiderError as exc:
                self.notify(exc.detail, severity="error", timeout=6)
                return
        self.refresh_stops()
        self.notify(f"已取 picked up {len(waiting)}", timeout=3)

    def _proved(self, stop: RouteStop, proof: Proof | None) -> None:
        if proof is not None:
            self.send_report(stop.order_id, DeliveryEventKind.DELIVERED, code=proof.code, note=proof.note)

    def _failed(self, stop: RouteStop, failure: Failure | None) -> None:
        if failure is not None:
            self.send_report(stop.order_id, DeliveryEventKind.FAILED, reason=failure.reason, note=failure.note)

    @work(group="reports", exclusive=False)
    async def send_report(
        self,
        order_id: str,
        kind: DeliveryEventKind,
        *,
        code: str | None = None,
        note: str | None = None,
        reason: FailureReason | None = None,
    ) -> None:
        try:
            await self.runtime.report(order_id, kind, code=code, note=note, reason=reason)
        except RiderError as exc:
            self.notify(exc.detail, severity="error", timeout=6)
            return
        self.refresh_stops()
        self.notify(f"{stop_format.STATE_LABELS[self.runtime.board.state_of(order_id)]} · {order_id}", timeout=3)
