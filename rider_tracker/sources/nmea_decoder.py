"""NMEA 0183 lines in, fixes out (pynmea2). Shared by the serial source and the log replay.

Checksums are enforced: a sentence with a wrong or missing ``*hh`` is counted and dropped.
``#`` comment lines (anywhere, as in the GPSD test logs), proprietary sentences (``$P...``) and
sentence types we do not use are skipped. A fix is built from RMC (time, date, status, position,
speed, course) and completed with the GGA of the same epoch (HDOP -> estimated error), whichever
order the receiver sends them in. Validity is RMC's status field (A/V) and the NMEA 2.3 mode
indicator (N: no fix, E: dead reckoning), not NMEA 4.1's trailing navigational status.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from datetime import time as dtime

import pynmea2

from rider_tracker.fix import Fix

logger = logging.getLogger(__name__)

KNOTS_TO_MPS = 1852.0 / 3600.0
HDOP_TO_METRES = 5.0
"""A usual user-equivalent range error: horizontal error ~ HDOP x 5 m."""
INVALID_MODES = frozenset({"N", "E"})

Clock = Callable[[], tuple[datetime, float]]


def system_clock() -> tuple[datetime, float]:
    return datetime.now(UTC), time.monotonic()


@dataclass
class NmeaStats:
    lines: int = 0
    sentences: int = 0
    bad_checksum: int = 0
    unparseable: int = 0
    skipped: int = 0
    fixes: int = 0


class NmeaDecoder:
    def __init__(self, *, source: str = "nmea", clock: Clock = system_clock) -> None:
        self.source = source
        self.stats = NmeaStats()
        self._clock = clock
        self._pending: Fix | None = None
        self._pending_time: dtime | None = None
        self._gga_time: dtime | None = None
        self._gga_accuracy: float | None = None

    def feed(self, raw: str | bytes) -> list[Fix]:
        """One line from the receiver; returns the fixes it completed (usually zero or one)."""
        line = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else raw
        line = line.strip()
        if not line:
            return []
        self.stats.lines += 1
        if not line.startswith("$") or line.startswith("$P"):
            self.stats.skipped += 1
            return []
        try:
            sentence = pynmea2.parse(line, check=True)
        except pynmea2.ChecksumError:
            self.stats.bad_checksum += 1
            logger.debug("%s: dropped a sentence with a bad or missing checksum", self.source)
            return []
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
            self.stats.unparseable += 1
            return []
        self.stats.sentences += 1
        try:
            return self._on(sentence)
        except (ValueError, TypeError, AttributeError):
            self.stats.unparseable += 1
            return []

    def flush(self) -> list[Fix]:
        """Hand over a fix still waiting for its GGA (end of input, or the receiver went quiet)."""
        out = [self._pending] if self._pending is not None else []
        self._pending = None
        self._pending_time = None
        self.stats.fixes += len(out)
        return out

    def _on(self, sentence: pynmea2.NMEASentence) -> list[Fix]:
        if isinstance(sentence, pynmea2.RMC):
            return self._on_rmc(sentence)
        if isinstance(sentence, pynmea2.GGA):
            return self._on_gga(sentence)
        stamp = getattr(sentence, "timestamp", None)
        if isinstance(stamp, dtime) and self._pending_time is not None and stamp != self._pending_time:
            return self.flush()
        return []

    def _on_rmc(self, rmc: pynmea2.RMC) -> list[Fix]:
        out = self.flush()
        received_at, mono = self._clock()
        stamp, day = rmc.timestamp, rmc.datestamp
        fix_at = None
        if stamp is not None and day is not None:
            fix_at = datetime.combine(day, stamp.replace(tzinfo=None), tzinfo=UTC)
        mode = (rmc.mode_indicator or "").strip()
        has_fix = rmc.status == "A" and mode not in INVALID_MODES and fix_at is not None and bool(rmc.lat)
        fix = Fix(
            fix_at=fix_at,
            lat=float(rmc.latitude) if has_fix else None,
            lon=float(rmc.longitude) if has_fix else None,
            has_fix=has_fix,
            received_at=received_at,
            received_mono=mono,
            speed_mps=rmc.spd_over_grnd * KNOTS_TO_MPS if rmc.spd_over_grnd is not None else None,
            heading_deg=float(rmc.true_course) % 360.0 if rmc.true_course is not None else None,
            source=self.source,
        )
        if not has_fix or stamp is None:
            self.stats.fixes += 1
            return [*out, fix]
        if self._gga_time == stamp:
            self.stats.fixes += 1
            return [*out, replace(fix, accuracy_m=self._gga_accuracy)]
        self._pending, self._pending_time = fix, stamp
        return out

    def _on_gga(self, gga: pynmea2.GGA) -> list[Fix]:
        stamp = gga.timestamp
        accuracy = None
        if gga.horizontal_dil not in (None, ""):
            accuracy = float(gga.horizontal_dil) * HDOP_TO_METRES
        self._gga_time, self._gga_accuracy = stamp, accuracy
        if self._pending is not None and self._pending_time == stamp:
            fix = replace(self._pending, accuracy_m=accuracy)
            self._pending, self._pending_time = None, None
            self.stats.fixes += 1
            return [fix]
        if self._pending is not None and stamp is not None and stamp != self._pending_time:
            return self.flush()
        return []
