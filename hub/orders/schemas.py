from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictFloat, StrictInt, UtcDatetime
from hub.customers.api import CustomerRef
from hub.orders.domain import Fulfilment, OrderStatus


class OrderLineIn(RequestModel):
    line_break_fields = frozenset({"note"})

    sku: str = Field(min_length=1, max_length=64)
    quantity: StrictInt = Field(ge=1, le=999)
    modifiers: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=500)


class DeliveryIn(RequestModel):
    line_break_fields = frozenset({"address", "notes"})

    address: str = Field(min_length=1, max_length=500)
    lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    lon: StrictFloat | None = Field(default=None, ge=-180, le=180)
    coord_system: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    """The system the coordinates are in; Chinese map services and platforms use gcj02 or bd09."""
    notes: str | None = Field(default=None, max_length=500)


class OrderIn(RequestModel):
    line_break_fields = frozenset({"notes"})

    store_id: str = Field(min_length=1, max_length=64)
    external_id: str = Field(min_length=1, max_length=128)
    """With the channel (and, for store-scoped channels, the store) the idempotency key: the same key
    with the same request returns the first order; with another request it is refused (422)."""
    channel: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    """Staff only; an API key's channel is its own."""
    order_number: str | None = Field(default=None, max_length=32)
    fulfilment: Fulfilment = Fulfilment.DELIVERY
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    customer: CustomerRef | None = None
    delivery: DeliveryIn | None = None
    delivery_fee_fen: StrictInt = Field(default=0, ge=0, le=10_000_000)
    notes: str | None = Field(default=None, max_length=1000)
    placed_at: UtcDatetime | None = None
    """From a day before the hub's clock to 30 days ahead of it (``hub.orders.order_times``)."""
    promised_at: UtcDatetime | None = None
    """Within the same window."""
    coupon_code: str | None = Field(default=None, min_length=4, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    """A coupon the customer holds: checked and consumed with the order, or the order is refused (409/422)."""
    points_to_use: StrictInt = Field(default=0, ge=0, le=10_000_000)
    """Loyalty points paid towards the order (worth ``fen_per_point`` each)."""


class OrderLineOut(BaseModel):
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price_fen: int
    total_fen: int
    modifiers: list[str]
    note: str | None
    station_codes: list[str]
    cancelled: bool


class OrderOut(BaseModel):
    id: str
    store_id: str
    channel: str
    external_id: str
    order_number: str
    customer_id: str | None
    status: OrderStatus
    fulfilment: str
    subtotal_fen: int
    delivery_fee_fen: int
    discount_fen: int
    total_fen: int
    currency: str
    notes: str | None
    delivery_address: str | None
    delivery_lat: float | None
    delivery_lon: float | None
    placed_at: datetime
    promised_at: datetime | None
    revision: int
    lines: list[OrderLineOut]


class StatusChangeIn(RequestModel):
    line_break_fields = frozenset({"reason"})

    status: OrderStatus
    reason: str | None = Field(default=None, max_length=500)


class OrderEventOut(BaseModel):
    id: int
    type: str
    at: datetime
    actor: str
    data: dict[str, Any]


class OrderLinesIn(RequestModel):
    """The order's lines as they should be now; unchanged lines keep their place on the tickets."""

    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)


class RefundIn(RequestModel):
    line_break_fields = frozenset({"reason"})

    key: str = Field(min_length=1, max_length=100, pattern=r"^\S+$")
    """The caller's reference for this refund (payment or ticket number): sent twice, refunded once."""
    amount_fen: StrictInt = Field(gt=0, le=10_000_000)
    reason: str = Field(min_length=1, max_length=500)


class RefundOut(BaseModel):
    order_id: str
    key: str
    amount_fen: int
    reason: str
    at: datetime
    refunded_total_fen: int
    """Everything refunded on this order so far, this refund included."""
