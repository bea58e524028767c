from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, new_id, utcnow


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel", "key_scope", "external_id", name="uq_order_idempotency"),
        Index("ix_orders_store_placed", "store_id", "placed_at"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="stores.id", max_length=64)
    channel: str = Field(max_length=64)
    external_id: str = Field(max_length=128)
    key_scope: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    """The store, for channels whose ids are local to a store (``hub.orders.idempotency``); else empty."""
    request_hash: str | None = Field(default=None, max_length=64)
    """SHA-256 of the request that placed the order: the same key with another request is refused."""
    order_number: str = Field(max_length=32)
    customer_id: str | None = Field(default=None, foreign_key="customers.id", max_length=36)
    status: str = Field(max_length=16, index=True)
    fulfilment: str = Field(default="delivery", max_length=16)
    subtotal_fen: int = 0
    delivery_fee_fen: int = 0
    discount_fen: int = 0
    total_fen: int = 0
    currency: str = Field(default="CNY", max_length=3)
    notes: str | None = Field(default=None, max_length=1000)
    delivery_address: str | None = Field(default=None, max_length=500)
    delivery_lat: float | None = None
    delivery_lon: float | None = None
    """WGS-84, converted at the boundary from whatever system the channel used."""
    promised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    placed_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revision: int = 1


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    line_no: int
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    quantity: int
    unit_price_fen: int
    total_fen: int
    modifiers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    station_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    allergens: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cancelled: bool = False


class OrderEvent(SQLModel, table=True):
    """Append-only history of an order: what happened, when, and who did it."""

    __tablename__ = "order_events"

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    type: str = Field(max_length=48)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(default="", max_length=120)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
