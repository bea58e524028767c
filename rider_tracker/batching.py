"""When to seal journaled positions into one message. Pure.

On a healthy link the hub sees a bike within ``online_max_delay_s``. When the link is down or slow
(the broker is unreachable, or the hub's acks lag: ``slow_backlog`` messages or more still wait
for theirs), positions are gathered into large batches instead: 8 hours at 1 Hz become about a
hundred messages, not 28,800, and the replay after the outage is quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CONTRACT_MAX_POSITIONS = 5000
"""``RiderPositionBatch.positions`` holds at most this many."""


class LinkHealth(StrEnum):
    HEALTHY = "healthy"
    SLOW = "slow"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class BatchRules:
    online_max_positions: int = 20
    online_max_delay_s: float = 5.0
    slow_max_positions: int = 300
    slow_max_delay_s: float = 600.0
    slow_backlog: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.online_max_positions <= self.slow_max_positions <= CONTRACT_MAX_POSITIONS:
            raise ValueError("need 1 <= online_max_positions <= slow_max_positions <= 5000")


def link_health(*, connected: bool, backlog: int, rules: BatchRules) -> LinkHealth:
    if not connected:
        return LinkHealth.DOWN
    if backlog >= rules.slow_backlog:
        return LinkHealth.SLOW
    return LinkHealth.HEALTHY


def batch_due(rules: BatchRules, *, waiting: int, oldest_age_s: float, health: LinkHealth) -> bool:
    """Seal now? ``waiting`` positions are journaled, the oldest of them ``oldest_age_s`` ago.

    A seal takes everything waiting, up to ``slow_max_positions``: after an outage the backlog
    goes in large messages even though the link is healthy again.
    """
    if waiting <= 0:
        return False
    if health is LinkHealth.HEALTHY:
        return waiting >= rules.online_max_positions or oldest_age_s >= rules.online_max_delay_s
    return waiting >= rules.slow_max_positions or oldest_age_s >= rules.slow_max_delay_s
