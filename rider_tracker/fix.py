"""One reading from a position source, before any judgement. Pure: no framework imports.

Coordinates are WGS-84 as the receiver gives them; nothing here ever converts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Fix:
    fix_at: datetime | None
    """The receiver's (GPS) time of the fix, timezone-aware UTC; None when the receiver sent no time."""
    lat: float | None
    lon: float | None
    has_fix: bool
    """The receiver claims a position fix (RMC status A with a usable mode, gpsd mode >= 2)."""
    received_at: datetime
    """Wall clock (UTC) when the source read it."""
    received_mono: float
    """``time.monotonic()`` when the source read it; immune to clock steps."""
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None
    """Estimated horizontal error (gpsd's eph/epx/epy, or HDOP x 5 m from NMEA)."""
    source: str = ""
