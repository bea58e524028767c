"""Where this hub's messages go: shared by every domain that writes to the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.kernel.events import Events


@dataclass(frozen=True)
class Messaging:
    """Where this hub's messages go: the topic root and its envelope source."""

    root: str
    source: str
    phone_region: str = "CN"
    events: Events = field(default_factory=Events, compare=False)
    """In-process reactions of other domains (``hub.wiring.domain_events``; empty when built bare)."""
