"""The composition root's event wiring: which domain reacts to which other domain's events.

Domains publish through ``Messaging.events`` (``hub.kernel.events``); only this module knows who
listens, so a reaction never needs an import from the lower domain back up to the higher one. It
also provides the ports a lower domain calls up through (orders' coupon redemption is marketing's).
"""

from __future__ import annotations

from hub.kernel.events import Events


def domain_events() -> Events:
    """Every subscription of this hub, built once per ``HubContext``."""
    # The domains are imported here, not at the top: their routers import hub.deps -> hub.context -> this.
    from hub.crm.api import CustomersMerged
    from hub.delivery.api import RiderStopReported, by_owner
    from hub.kitchen.api import queue_cancelled_order, queue_changed_lines, queue_placed_order
    from hub.loyalty import ledger as loyalty_ledger
    from hub.marketing import coupons as marketing_coupons
    from hub.marketing.api import redeem_at_placement
    from hub.notifications import service as notifications_service
    from hub.orders.api import REDEEM_AT_PLACEMENT, OrderCancelled, OrderLinesChanged, OrderPlaced
    from hub.subscriptions import api as subscriptions_api

    events = Events()
    events.provide(REDEEM_AT_PLACEMENT, redeem_at_placement)  # coupons and points, in the order's transaction
    events.subscribe(OrderPlaced, queue_placed_order)  # the kitchen's tickets, in the order's transaction
    events.subscribe(OrderLinesChanged, queue_changed_lines)
    events.subscribe(OrderCancelled, queue_cancelled_order)
    # A customer merge: points, coupons and queued messages follow the source into the target.
    events.subscribe(CustomersMerged, loyalty_ledger.on_customers_merged)
    events.subscribe(CustomersMerged, marketing_coupons.on_customers_merged)
    events.subscribe(CustomersMerged, notifications_service.on_customers_merged)
    # A rider's report on a stop that is not an order: the subscription drops the cut-off pushed.
    events.subscribe(RiderStopReported, by_owner({subscriptions_api.STOP_OWNER: subscriptions_api.apply_rider_report}))
    return events
