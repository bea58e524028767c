"""The kitchen domain's public surface: its tickets table, the device reports the bridge applies, and its
reactions to orders' events (subscribed in ``hub.wiring``)."""

from hub.kitchen.order_reactions import queue_cancelled_order, queue_changed_lines, queue_placed_order
from hub.kitchen.service import apply_print_result, apply_ticket_received, apply_ticket_status
from hub.kitchen.tables import KitchenTicketRecord

kitchen_tickets_table = KitchenTicketRecord.__table__  # type: ignore[attr-defined]

__all__ = [
    "apply_print_result",
    "apply_ticket_received",
    "apply_ticket_status",
    "kitchen_tickets_table",
    "queue_cancelled_order",
    "queue_changed_lines",
    "queue_placed_order",
]
