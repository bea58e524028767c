"""A simulated receiver as a position source: a bike driven along a route, handed to the tracker
as fixes (no serial line in between), at real time or faster. For fleets and demos."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterable
from datetime import UTC, datetime

from firmware_sim.gps.bike_drive import SimFix
from rider_tracker.fix import Fix


class SimulatedBikeSource:
    def __init__(self, fixes: Iterable[SimFix], *, name: str = "sim", time_scale: float = 1.0) -> None:
        """``time_scale`` 0: as fast as the tracker takes them."""
        self.name = name
        self._fixes = fixes
        self._scale = time_scale

    async def fixes(self) -> AsyncGenerator[Fix, None]:
        started = time.monotonic()
        first: datetime | None = None
        for sim in self._fixes:
            if first is None:
                first = sim.at
            if self._scale > 0:
                due = started + (sim.at - first).total_seconds() / self._scale
                left = due - time.monotonic()
                if left > 0:
                    await asyncio.sleep(left)
            yield Fix(
                fix_at=sim.at,
                lat=sim.lat if sim.valid else None,
                lon=sim.lon if sim.valid else None,
                has_fix=sim.valid,
                received_at=datetime.now(UTC),
                received_mono=time.monotonic(),
                speed_mps=sim.speed_mps if sim.valid else None,
                heading_deg=sim.course_deg % 360.0 if sim.valid else None,
                accuracy_m=sim.hdop * 5.0 if sim.valid else None,
                source=self.name,
            )
