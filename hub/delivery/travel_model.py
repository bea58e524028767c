"""The one travel-time model of deliveries: the planner's matrices and the live ETAs between plans.

Both ask ``travel_model(settings, at, timezone)`` for the same provider (great-circle distance x
the detour factor, at the speed of the store's local hour of ``at``: rush hours are slower), so a
live ETA computed at the instant of a plan is the plan's ETA, and late detection is as strict as
the planner.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.delivery.planning.matrix import GreatCircleMatrix, SpeedProfile
from hub.delivery.settings import DeliverySettings


def local_hour(at: datetime, timezone: str) -> int:
    """The hour of ``at`` on the store's clock (UTC if the store's timezone is unknown)."""
    try:
        return at.astimezone(ZoneInfo(timezone)).hour
    except (ZoneInfoNotFoundError, ValueError):
        return at.hour


def travel_model(settings: DeliverySettings, at: datetime, timezone: str) -> GreatCircleMatrix:
    return GreatCircleMatrix(
        detour_factor=settings.detour_factor,
        speed=SpeedProfile(default_mps=settings.speed_mps, by_hour=settings.speed_by_hour),
        hour=local_hour(at, timezone),
    )
