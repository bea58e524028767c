"""Customer 360 and profile editing on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from hub.api_types import RequestModel, StrictBool, StrictFloat
from hub.crm.schemas import IdentityOut

EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$"
BIRTHDAY = r"^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
CHANNELS = ("sms", "wechat", "email")


class ProfilePatch(RequestModel):
    line_break_fields = frozenset({"notes"})

    display_name: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL)
    birthday: str | None = Field(default=None, pattern=BIRTHDAY)
    """YYYY-MM-DD, or MM-DD when the year was not given."""
    preferences: dict[str, Any] | None = None
    notes: str | None = Field(default=None, max_length=1000)

    @field_validator("preferences")
    @classmethod
    def _small(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and (len(value) > 50 or len(str(value)) > 4000):
            raise ValueError("preferences: at most 50 keys and 4000 characters")
        return value


class AddressIn(RequestModel):
    line_break_fields = frozenset({"address", "notes"})

    label: str = Field(default="", max_length=32)
    address: str = Field(min_length=1, max_length=500)
    notes: str | None = Field(default=None, max_length=500)
    """Delivery notes, e.g. 放门口保温箱."""
    lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    lon: StrictFloat | None = Field(default=None, ge=-180, le=180)
    is_default: StrictBool = False


class AddressOut(BaseModel):
    id: int
    label: str
    address: str
    notes: str | None
    lat: float | None
    lon: float | None
    is_default: bool


class ConsentIn(RequestModel):
    granted: StrictBool


class TagOut(BaseModel):
    tag: str
    source: str
    """manual, or rule (recomputed from data)."""


class OrderStatsOut(BaseModel):
    orders_count: int
    spend_fen: int
    aov_fen: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    predicted_next_at: datetime | None


class RfmOut(BaseModel):
    r: int | None
    f: int | None
    m: int | None
    scored_at: datetime | None


class TierOut(BaseModel):
    code: str
    name: str
    benefits: list[str]
    window_spend_fen: int | None
    """Spend in the tier window, every store's: not shown to a store manager."""
    next_tier: str | None
    to_next_fen: int | None


class RecentOrderOut(BaseModel):
    id: str
    store_id: str
    channel: str
    status: str
    total_fen: int
    discount_fen: int
    placed_at: datetime


class CouponHeldOut(BaseModel):
    code: str
    title: str
    valid_until: datetime


class Customer360Out(BaseModel):
    id: str
    display_name: str
    home_store_id: str | None
    merged_into_id: str | None
    anonymised: bool
    identities: list[IdentityOut]
    email: str | None
    birthday: str | None
    preferences: dict[str, Any]
    notes: str | None
    consents: dict[str, bool]
    addresses: list[AddressOut]
    stats: OrderStatsOut
    rfm: RfmOut
    segment: str
    lifecycle: str
    tier: TierOut
    points_balance: int
    coupons: list[CouponHeldOut]
    tags: list[TagOut]
    recent_orders: list[RecentOrderOut]
    service_history: list[dict[str, Any]]
    """Complaints and service tickets: filled in by the service domain later."""
    created_at: datetime


class CustomerSummaryOut(BaseModel):
    id: str
    display_name: str
    phone: str | None
    """Masked for roles that may not see full numbers."""
    home_store_id: str | None
    segment: str
    lifecycle: str
    tier: str
    orders_count: int
    last_order_at: datetime | None
