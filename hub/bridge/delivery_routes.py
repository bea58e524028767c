"""The rider topics the hub's MQTT bridge consumes, and what applies each."""

from __future__ import annotations

from contracts import topics
from hub.bridge.routes import Route
from hub.delivery.api import DeliverySettings, PositionIngest, apply_rider_event


def delivery_routes(settings: DeliverySettings) -> list[Route]:
    ingest = PositionIngest(settings)
    return [
        Route(topics.RIDER_POSITIONS, ingest.apply_one, apply_many=ingest.apply_many),
        # Live single fixes (QoS 0): unique (rider, fix time) already makes them idempotent.
        Route(topics.RIDER_POSITION, ingest.apply_one, apply_many=ingest.apply_many, ack=False, inbox=False),
        Route(topics.RIDER_EVENT, apply_rider_event),
    ]
