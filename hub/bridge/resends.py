"""A device's resends, answered without queueing them again.

A device resends every message the hub has not acked yet (its outbox retries on a timer). After an
outage a store's whole backlog arrives at once, and while the hub works through it the device's
timer fires again: without this every resend would queue behind the backlog, cost a transaction
each (the inbox drops it only then), and the queue would grow faster than it drains, so the hub
never caught up and the store's reports waited for good. Here a resend of a message still waiting
in the queue is dropped (the copy in the queue answers the device), and a resend of a message the
hub applied a moment ago is acked at once, from memory; anything older goes through the inbox as
before. Keys are (source, message id), so another sender reusing an id gets no ack from here.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from typing import Any

from contracts.envelope import Envelope


class Arrival(enum.Enum):
    NEW = "new"
    """Queue it."""
    WAITING = "waiting"
    """A copy is queued or being applied: drop this one."""
    SETTLED = "settled"
    """Applied (or found applied) a moment ago: ack it, nothing to apply."""


class ResendFilter:
    def __init__(self, remember: int = 50_000) -> None:
        self._remember = remember
        self._waiting: set[tuple[str, Any]] = set()
        self._settled: OrderedDict[tuple[str, Any], None] = OrderedDict()

    def arrived(self, envelope: Envelope[Any]) -> Arrival:
        key = (envelope.source, envelope.id)
        if key in self._waiting:
            return Arrival.WAITING
        if key in self._settled:
            return Arrival.SETTLED
        self._waiting.add(key)
        return Arrival.NEW

    def finished(self, envelope: Envelope[Any], *, settled: bool) -> None:
        """The queued copy is done: ``settled`` when it was applied or found applied, and acked (a refused
        or postponed message is not: its resend goes through the inbox again and gets its answer)."""
        key = (envelope.source, envelope.id)
        if key not in self._waiting:
            return
        self._waiting.discard(key)
        if settled:
            self._settled[key] = None
            while len(self._settled) > self._remember:
                self._settled.popitem(last=False)
