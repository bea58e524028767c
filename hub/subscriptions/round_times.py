"""When the rider reaches each stop of a round: the ETAs on the bike. Pure.

The rider leaves the depot so as to reach the first stop when its window opens, then rides each leg
(the planner's great-circle travel time at that local hour) and spends ``DOORSTEP_S`` at every door;
a stop whose window has not opened yet is reached at its opening (the rider waits, or starts later).
A stop the round reaches after its window closes shows late on the bike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.delivery.api import GreatCircleMatrix

DOORSTEP_S = 60
"""A round's stop: the bottles into the box at the door, a photo, back on the bike."""

Place = tuple[float, float]


@dataclass(frozen=True)
class TimedStop:
    place: Place
    opens: datetime
    """The stop's window opening (aware)."""


def stop_etas(depot: Place, stops: Sequence[TimedStop], zone: ZoneInfo) -> list[datetime]:
    """The arrival at each stop, in visiting order."""
    if not stops:
        return []
    hour = stops[0].opens.astimezone(zone).hour
    seconds = GreatCircleMatrix(hour=hour).matrices([depot, *(s.place for s in stops)]).duration
    etas: list[datetime] = []
    at = stops[0].opens
    for n, stop in enumerate(stops):
        if n:
            at = etas[-1] + timedelta(seconds=DOORSTEP_S + int(seconds[n, n + 1]))
        at = max(at, stop.opens)
        etas.append(at)
    return etas
