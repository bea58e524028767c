from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, new_id, utcnow


class Customer(SQLModel, table=True):
    __tablename__ = "customers"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    display_name: str = Field(default="", max_length=120)
    home_store_id: str | None = Field(default=None, foreign_key="stores.id", index=True, max_length=64)
    merged_into_id: str | None = Field(default=None, index=True, max_length=36)
    """Set when this record was merged into another; it then only redirects."""
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when the customer's personal data was erased on request (PIPL); order statistics stay."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerIdentity(SQLModel, table=True):
    """One way to recognise a customer: phone (E.164), member id, device id or a platform's user id."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("kind", "namespace", "value", name="uq_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    kind: str = Field(max_length=16)
    namespace: str = Field(default="", max_length=64)
    """The platform for platform ids (meituan, eleme, wechat); empty otherwise."""
    value: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerMerge(SQLModel, table=True):
    __tablename__ = "customer_merges"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=36, index=True)
    target_id: str = Field(max_length=36, index=True)
    actor: str = Field(max_length=120)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
