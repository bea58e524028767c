"""The rider topics the hub's MQTT bridge consumes, and what applies each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contracts import topics
from hub.bridge.routes import Route
from hub.delivery.api import DeliverySettings, PositionIngest, rider_event_applier
from hub.kernel.events import Events


def delivery_routes(
    settings: DeliverySettings, events: Events | None = None, clock: Callable[[], datetime] | None = None
) -> list[Route]:
    """``events``: the hub's wiring; a rider's report on a subscription stop reaches subscriptions through it
    (without it, such a report is refused as an unknown stop). ``clock``: the hub's, for when a report is
    written (the wall clock without it)."""
    ingest = PositionIngest(settings)
    return [
        Route(topics.RIDER_POSITIONS, ingest.apply_one, apply_many=ingest.apply_many),
        # Live single fixes (QoS 0): unique (rider, fix time) already makes them idempotent.
        Route(topics.RIDER_POSITION, ingest.apply_one, apply_many=ingest.apply_many, ack=False, inbox=False),
        Route(topics.RIDER_EVENT, rider_event_applier(events or Events(), *([clock] if clock else []))),
    ]
