"""Is a rider's GPS live? Pure: from the age of the last fix, separate from broker presence.

A tracker can be connected and still have no fresh fix (in a tunnel, no sky view), and a fix can
be fresh while the connection is flapping; the hub reports both facts side by side.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class GpsStatus(StrEnum):
    ONLINE = "online"
    """A fix younger than the stale limit."""
    STALE = "stale"
    """Last fix older than the stale limit but younger than the offline limit."""
    OFFLINE = "offline"
    """No fix for longer than the offline limit, or never."""


def gps_status(
    last_fix_at: datetime | None, now: datetime, *, stale_after_s: float, offline_after_s: float
) -> GpsStatus:
    if last_fix_at is None:
        return GpsStatus.OFFLINE
    age = (now - last_fix_at).total_seconds()
    if age <= stale_after_s:
        return GpsStatus.ONLINE
    if age <= offline_after_s:
        return GpsStatus.STALE
    return GpsStatus.OFFLINE


def fix_age_s(last_fix_at: datetime | None, now: datetime) -> float | None:
    return None if last_fix_at is None else max(0.0, (now - last_fix_at).total_seconds())


def ahead_text(seconds: float) -> str:
    """How far ahead, in words a rider or an operator reads at a glance: "45 s", "7 min", "3 h 2 min"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    hours, minutes = divmod(whole // 60, 60)
    if hours == 0:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def gps_time_warning(
    dropped: int, last_drop_at: datetime | None, last_drop_ahead_s: float | None, last_fix_received_at: datetime | None
) -> str | None:
    """What the rider's status says while the hub is dropping the rider's positions as dated ahead.

    Shown until a position is stored again after the last drop (the receiver's clock is right again).
    """
    if last_drop_at is None or (last_fix_received_at is not None and last_fix_received_at > last_drop_at):
        return None
    ahead = ahead_text(last_drop_ahead_s or 0.0)
    return (
        f"GPS time is wrong: the receiver dates its positions {ahead} ahead of the hub's clock; "
        f"{dropped} dropped so far, the last at {last_drop_at.isoformat()}"
    )
