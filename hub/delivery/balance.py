"""Workload balance for automatic dispatch. Pure.

The planner minimises distance; left alone it happily gives one rider a long chain while another
waits at the store. Each rider's load for the next trip is therefore capped at an even share of
all open stops (minus what is already on their bike), never above what the bike carries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RiderLoad:
    rider_id: str
    capacity: int
    on_board: int = 0
    """Stops already picked up (delivered before the next trip starts)."""
    pinned: int = 0
    """Stops assigned to this rider by hand for the next trip."""


def trip_capacities(riders: Sequence[RiderLoad], new_stops: int, slack: int = 0) -> dict[str, int]:
    """Rider id -> the most stops the planner may give them on their next trip."""
    if not riders:
        return {}
    total = new_stops + sum(r.on_board for r in riders)
    share = math.ceil(total / len(riders)) + max(slack, 0)
    caps = {r.rider_id: min(r.capacity, max(share - r.on_board, r.pinned, 0)) for r in riders}
    # A small bike below its share leaves a deficit: hand it to the least loaded riders with room.
    deficit = new_stops - sum(caps.values())
    while deficit > 0:
        room = [r for r in riders if caps[r.rider_id] < r.capacity]
        if not room:
            break
        least = min(room, key=lambda r: (r.on_board + caps[r.rider_id], r.rider_id))
        caps[least.rider_id] += 1
        deficit -= 1
    return caps
