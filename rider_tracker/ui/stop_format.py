"""How a stop reads on the rider's screen: local times, windows, states. Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rider_tracker.route_board import StopRow, StopState

STATE_LABELS: dict[StopState, str] = {
    StopState.PLANNED: "待取 planned",
    StopState.PICKED_UP: "已取 picked up",
    StopState.ARRIVED: "已到 arrived",
    StopState.DELIVERED: "已送达 delivered",
    StopState.FAILED: "失败 failed",
}


def clock(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M") if value is not None else "--:--"


def window(row: StopRow, zone: ZoneInfo) -> str:
    start, end = row.stop.window_start, row.stop.window_end
    if start is None and end is None:
        return "任意 any"
    return f"{clock(start, zone)}–{clock(end, zone)}"


def late(row: StopRow) -> bool:
    """The plan's ETA is already past the end of the promised window."""
    end = row.stop.window_end
    return end is not None and row.stop.eta > end and row.state not in (StopState.DELIVERED, StopState.FAILED)


PENDING_LABEL = "待确认 pending confirmation"
REFUSED_LABEL = "被拒 refused"


def state(row: StopRow) -> str:
    """The state, "pending confirmation" until the hub confirms it, and the hub's reason if it refused."""
    label = STATE_LABELS[row.state]
    if row.state is StopState.FAILED and row.reason is not None:
        label += f" ({row.reason.value})"
    if row.pending:
        label += f" · {PENDING_LABEL}"
    if row.refusal is not None:
        label += f" · {REFUSED_LABEL}: {row.refusal}"
    return label


GPS_TIME_WRONG = "delivery.gps_time_wrong"
"""The hub's code for positions dated too far ahead of its clock."""


def positions_refused(code: str | None) -> str:
    if code == GPS_TIME_WRONG:
        return "GPS 时间错误 GPS time is wrong"
    return "位置被拒 positions refused"
