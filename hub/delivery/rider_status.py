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
