"""Replay of a recorded NMEA log, paced by the fixes' own times (or as fast as possible).

``resume_after`` skips, without pacing, fixes already handled before a restart. ``rebase_times``
shifts every fix time by one constant so the recording looks live (its first fix = now); the
spacing between fixes is never changed, so speeds and jumps stay what the receiver recorded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rider_tracker.fix import Fix
from rider_tracker.sources.nmea_decoder import NmeaDecoder

logger = logging.getLogger(__name__)


class ReplaySource:
    def __init__(
        self,
        path: Path,
        *,
        speed: float = 1.0,
        rebase_times: bool = False,
        loop: bool = False,
        resume_after: datetime | None = None,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (0: as fast as possible)")
        self.name = f"replay:{path.name}"
        self._path = path
        self._speed = speed
        self._rebase = rebase_times
        self._loop = loop
        self._resume_after = resume_after

    def read_all(self) -> list[Fix]:
        """Every fix in the log, unpaced (blocking)."""
        return list(self._decode())

    def _decode(self) -> Iterator[Fix]:
        decoder = NmeaDecoder(source=self.name)
        with self._path.open("rb") as lines:
            for line in lines:
                yield from decoder.feed(line)
        yield from decoder.flush()
        logger.info("%s: %s", self.name, decoder.stats)

    async def fixes(self) -> AsyncGenerator[Fix, None]:
        fixes = await asyncio.to_thread(self.read_all)
        shift = timedelta(0)
        while True:
            if self._rebase:
                first = next((f.fix_at for f in fixes if f.fix_at is not None), None)
                shift = datetime.now(UTC) - first if first is not None else timedelta(0)
            previous: datetime | None = None
            for fix in fixes:
                if fix.fix_at is not None and self._resume_after is not None and fix.fix_at <= self._resume_after:
                    continue
                if fix.fix_at is not None:
                    if previous is not None and self._speed > 0:
                        gap = (fix.fix_at - previous).total_seconds() / self._speed
                        await asyncio.sleep(min(max(gap, 0.0), 60.0))
                    previous = fix.fix_at
                elif self._speed > 0:
                    await asyncio.sleep(1.0 / self._speed)
                yield _restamp(fix, shift)
            if not self._loop:
                return
            self._resume_after = None


def _restamp(fix: Fix, shift: timedelta) -> Fix:
    now = datetime.now(UTC)
    fix_at = fix.fix_at + shift if fix.fix_at is not None else None
    return replace(fix, fix_at=fix_at, received_at=now, received_mono=time.monotonic())
