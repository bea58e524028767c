"""What orders announce when an order is placed, has its lines changed or is cancelled (``hub.kernel.events``).

The kitchen subscribes to them (``hub.wiring``) and queues its tickets on the publisher's session, so
the tickets and their outbox rows commit with the order. Each event carries the order as its kitchen
tickets show it, and where the hub's messages go. Plain frozen data; exposed through ``hub.orders.api``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LineForKitchen:
    line_id: str
    line_no: int
    name: str
    quantity: int
    modifiers: tuple[str, ...]
    allergens: tuple[str, ...]
    note: str | None
    station_codes: tuple[str, ...]


@dataclass(frozen=True)
class OrderForKitchen:
    order_id: str
    order_number: str
    store_id: str
    store_name: str
    channel: str
    placed_at: datetime
    due_at: datetime | None
    notes: str | None
    customer_display: str | None
    lines: tuple[LineForKitchen, ...]


@dataclass(frozen=True)
class OrderPlaced:
    """A new order was written (not a replayed idempotency key): its first revision."""

    order: OrderForKitchen
    station_names: dict[str, str]
    at: datetime
    root: str
    source: str


@dataclass(frozen=True)
class OrderLinesChanged:
    """Lines were added or cancelled; ``order`` holds the live lines after the change."""

    order: OrderForKitchen
    station_names: dict[str, str]
    revision: int
    added: tuple[LineForKitchen, ...]
    cancelled: tuple[LineForKitchen, ...]
    at: datetime
    root: str
    source: str


@dataclass(frozen=True)
class OrderCancelled:
    """The order was cancelled; ``order`` holds its live lines."""

    order: OrderForKitchen
    station_names: dict[str, str]
    revision: int
    at: datetime
    root: str
    source: str
