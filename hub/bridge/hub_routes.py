"""Every device topic the hub consumes, and where each goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contracts import topics
from hub.bridge.delivery_routes import delivery_routes
from hub.bridge.routes import Route
from hub.devices.api import apply_device_state, apply_presence
from hub.kernel.messaging import Messaging
from hub.kitchen.api import apply_print_result, apply_ticket_received, apply_ticket_status
from hub.orders.api import store_order_applier
from hub.settings import HubSettings


def hub_routes(settings: HubSettings, messaging: Messaging, clock: Callable[[], datetime] | None = None) -> list[Route]:
    """``messaging`` carries the hub's event wiring (a store order's kitchen tickets follow from it, and a
    rider's report on a subscription stop reaches subscriptions through it); ``clock`` is the hub's."""
    return [
        Route(topics.STORE_ORDER, store_order_applier(messaging)),
        Route(topics.TICKET_RECEIVED, apply_ticket_received),
        Route(topics.PRINT_RESULT, apply_print_result),
        Route(topics.TICKET_STATUS, apply_ticket_status),
        Route(topics.DEVICE_STATE, apply_device_state, ack=False, inbox=False),
        Route(topics.PRESENCE, apply_presence, ack=False, inbox=False),
        *delivery_routes(settings.delivery, messaging.events, clock),
    ]
