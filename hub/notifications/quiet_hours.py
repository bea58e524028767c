"""Quiet hours in the customer's local time. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hub.kernel.business_days import zone


def quiet_until(now: datetime, tz: str, start: time, end: time) -> datetime | None:
    """When sending may resume (UTC), or None when ``now`` is outside the quiet hours."""
    if start == end:
        return None
    local = now.astimezone(zone(tz))
    clock = local.time().replace(tzinfo=None)
    overnight = start > end
    quiet = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not quiet:
        return None
    day = local.date()
    if overnight and clock >= start:
        day = day + timedelta(days=1)
    resume = datetime.combine(day, end, tzinfo=zone(tz))
    return resume.astimezone(UTC)
