"""What a customer told us about themselves: profile, addresses, consents, tags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class CustomerProfile(SQLModel, table=True):
    """One row per customer who has more than identities: email, birthday, preferences."""

    __tablename__ = "customer_profiles"
    __table_args__ = (Index("ix_customer_profiles_birthday", "birth_month", "birth_day"),)

    customer_id: str = Field(foreign_key="customers.id", primary_key=True, max_length=36)
    email: str | None = Field(default=None, max_length=254, index=True)
    birth_year: int | None = None
    """Often not given: the birthday rule needs month and day only."""
    birth_month: int | None = None
    birth_day: int | None = None
    preferences: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Free-form, e.g. {"spice": "少辣", "allergies": ["花生"]}."""
    notes: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerAddress(SQLModel, table=True):
    __tablename__ = "customer_addresses"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    label: str = Field(default="", max_length=32)
    """家, 公司, ..."""
    address: str = Field(max_length=500)
    notes: str | None = Field(default=None, max_length=500)
    """Delivery notes such as 放门口保温箱."""
    lat: float | None = None
    lon: float | None = None
    """WGS-84."""
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerConsent(SQLModel, table=True):
    """Whether a customer agreed to marketing messages on a channel (sms, wechat, email)."""

    __tablename__ = "customer_consents"

    customer_id: str = Field(foreign_key="customers.id", primary_key=True, max_length=36)
    channel: str = Field(primary_key=True, max_length=16)
    granted: bool
    source: str = Field(default="api", max_length=32)
    """api, import, unsubscribe."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerTag(SQLModel, table=True):
    """A manual tag, or a rule tag recomputed from data (source = rule)."""

    __tablename__ = "customer_tags"

    customer_id: str = Field(foreign_key="customers.id", primary_key=True, max_length=36)
    tag: str = Field(primary_key=True, max_length=64, index=True)
    source: str = Field(default="manual", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
