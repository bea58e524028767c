"""Per-customer order statistics and scores, and the CRM's small key-value state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class CustomerStats(SQLModel, table=True):
    """Aggregated from the customer's orders (cancelled and failed ones excluded).

    The order figures, scores, segment, lifecycle and tier are refreshed per customer when their
    orders change (order feed, import, merge) and when their rolling window moves past an order.
    """

    __tablename__ = "customer_stats"

    customer_id: str = Field(foreign_key="customers.id", primary_key=True, max_length=36)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    """The home store's time zone (without one: the zone of the stores ordered from), in which business
    days (dormant, birthday, quiet hours) are counted."""
    orders_count: int = 0
    purchase_days: int = 0
    """Local days with an order (several orders or lines on one day are one visit): "a purchase"."""
    spend_fen: int = 0
    first_order_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_order_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_orders: int = 0
    window_purchase_days: int = 0
    window_spend_fen: int = 0
    """Purchase days and spend in the rolling window (default 365 days): RFM frequency, monetary and tier."""
    window_oldest_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """The oldest order inside the window; once it falls out, the row is refreshed."""
    night_orders: int = 0
    discounted_orders: int = 0
    """Orders with a coupon or points: the "promo sensitive" tag."""
    office_orders: int = 0
    """Orders delivered to an address that looks like an office: the "office address" tag."""
    predicted_next_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """Last order plus the customer's average gap between purchase days (two purchase days or more)."""
    scoring_group: str = Field(default="", max_length=64)
    """The store group (``CrmConfig.scoring_groups``) of the home store: F and M are scored within it."""
    refreshed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    r_score: int | None = None
    f_score: int | None = None
    m_score: int | None = None
    segment: str = Field(default="prospect", max_length=32, index=True)
    lifecycle: str = Field(default="prospect", max_length=16)
    tier: str = Field(default="member", max_length=32)
    scored_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CrmState(SQLModel, table=True):
    """Small named state: the CRM configuration, the order-event cursor, the scoring marker."""

    __tablename__ = "crm_state"

    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
