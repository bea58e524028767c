"""The orders domain as other domains may use it."""

from hub.orders.domain import Fulfilment, InvalidTransition, OrderStatus, allowed_next
from hub.orders.events import LineForKitchen, OrderCancelled, OrderForKitchen, OrderLinesChanged, OrderPlaced
from hub.orders.redemption import REDEEM_AT_PLACEMENT, Redemption, RedemptionRequest
from hub.orders.refunds import refund_order
from hub.orders.service import apply_transition, kitchen_view, lock_order, record_event, visible_order
from hub.orders.store_orders import store_order_applier
from hub.orders.tables import Order, OrderEvent, OrderLine

orders_table = Order.__table__  # type: ignore[attr-defined]

order_lines_table = OrderLine.__table__  # type: ignore[attr-defined]

NOT_COUNTED_STATUSES = ("cancelled", "failed")

__all__ = [
    "NOT_COUNTED_STATUSES",
    "REDEEM_AT_PLACEMENT",
    "Fulfilment",
    "InvalidTransition",
    "LineForKitchen",
    "Order",
    "OrderCancelled",
    "OrderEvent",
    "OrderForKitchen",
    "OrderLinesChanged",
    "OrderPlaced",
    "OrderStatus",
    "Redemption",
    "RedemptionRequest",
    "allowed_next",
    "apply_transition",
    "kitchen_view",
    "lock_order",
    "order_lines_table",
    "orders_table",
    "record_event",
    "refund_order",
    "store_order_applier",
    "visible_order",
]
