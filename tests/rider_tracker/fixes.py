"""Fixes for tests: built by hand, or read from the real NMEA recordings in the shared data."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rider_tracker.fix import Fix
from rider_tracker.sources.replay_source import ReplaySource
from tests.services import missing

GPS_DATA = Path(
    os.environ.get("BRIGADE_TEST_GPS_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "gps")
)
"""The real recordings: ``../shared/data/gps`` next to the repository, or ``BRIGADE_TEST_GPS_DATA``."""
REAL_LOGS = ("haicom-305N.log", "quectel-eg25-g.log", "nl2008u.log")
T0 = datetime(2026, 3, 1, 4, 0, 0, tzinfo=UTC)


def fix(
    seconds: float = 0.0,
    lat: float | None = 31.2304,
    lon: float | None = 121.4737,
    *,
    has_fix: bool = True,
    speed: float | None = None,
    heading: float | None = None,
    accuracy: float | None = 5.0,
    lag_s: float = 0.2,
    received_mono: float | None = None,
) -> Fix:
    """A fix ``seconds`` after T0, read ``lag_s`` later (wall clock and monotonic alike)."""
    at = T0 + timedelta(seconds=seconds)
    return Fix(
        fix_at=at,
        lat=lat,
        lon=lon,
        has_fix=has_fix,
        received_at=at + timedelta(seconds=lag_s),
        received_mono=received_mono if received_mono is not None else 1000.0 + seconds + lag_s,
        speed_mps=speed,
        heading_deg=heading,
        accuracy_m=accuracy,
        source="test",
    )


def real_log(name: str) -> list[Fix]:
    require_real_logs()
    return ReplaySource(GPS_DATA / name).read_all()


def require_real_logs() -> None:
    if not all((GPS_DATA / name).exists() for name in REAL_LOGS):
        missing(f"the real NMEA recordings are not in {GPS_DATA}")
