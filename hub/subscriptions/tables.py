"""Subscriptions' tables: plans, subscriptions (their timeline facts), changes (who/when), deliveries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class SubscriptionPlanRecord(SQLModel, table=True):
    """A plan as sold; ``spec`` holds items, frequency, window, holiday policy and renewal terms."""

    __tablename__ = "subscription_plans"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    price_fen: int
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SubscriptionStoreSettings(SQLModel, table=True):
    """A store's zone, daily cut-off and failed-delivery charge policy for subscriptions."""

    __tablename__ = "subscription_store_settings"

    store_id: str = Field(foreign_key="stores.id", primary_key=True, max_length=64)
    zone: str = Field(default="Asia/Shanghai", max_length=64)
    cutoff: str = Field(default="20:00", max_length=5)
    """Local HH:MM."""
    failed_charge: str = Field(default="none", max_length=8)
    not_home_charge: str = Field(default="full", max_length=8)
    route_count: int = 1
    """Rider routes the day's deliveries are split into (route-1 .. route-N)."""
    low_balance_deliveries: int = 3
    """A low-balance notice goes out when the balance covers fewer deliveries than this."""
    last_generated: date | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SubscriptionRecord(SQLModel, table=True):
    """One subscription; ``facts`` is its timeline (terms, pauses, skips, extras, changes, cancellation)."""

    __tablename__ = "subscriptions"

    id: str = Field(primary_key=True, max_length=36)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    plan_id: str = Field(foreign_key="subscription_plans.id", max_length=64)
    start: date
    facts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    cancelled_from: date | None = None
    cancel_reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SubscriptionAddress(SQLModel, table=True):
    """Where a subscription delivers: the rider's stop (WGS-84)."""

    __tablename__ = "subscription_addresses"

    id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    line: str = Field(default="", max_length=200)
    lat: float
    lon: float


class SubscriptionChange(SQLModel, table=True):
    """The audit trail: every accepted change, who made it and when. Never updated."""

    __tablename__ = "subscription_changes"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(foreign_key="subscriptions.id", index=True, max_length=36)
    kind: str = Field(max_length=24)
    actor: str = Field(max_length=120)
    at: datetime = Field(sa_type=UTCDateTime)
    summary: str = Field(max_length=300)


class SubscriptionDelivery(SQLModel, table=True):
    """A generated delivery: exactly one per (subscription, business date)."""

    __tablename__ = "subscription_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "business_date", name="uq_subscription_delivery_day"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(foreign_key="subscriptions.id", max_length=36)
    business_date: date = Field(index=True)
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    customer_id: str = Field(max_length=36, index=True)
    address_id: str = Field(max_length=64)
    window: str = Field(max_length=11)
    items: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    instructions: str = Field(default="", max_length=200)
    amount_fen: int
    plan_deliveries: int
    outcome: str = Field(default="pending", max_length=16)
    route_id: str | None = Field(default=None, max_length=64)
    sequence: int | None = None
    rider_id: str | None = Field(default=None, max_length=64, index=True)
    """The rider the route was given to at the cut-off (None: the store had too few active riders)."""
    generated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_by: str = Field(default="", max_length=120)


class SubscriptionTerm(SQLModel, table=True):
    """One paid term of a subscription (0: the first, then one per renewal), rewritten from its timeline
    whenever the subscription is stored: what renewal-rate figures count in SQL."""

    __tablename__ = "subscription_terms"
    __table_args__ = (UniqueConstraint("subscription_id", "seq", name="uq_subscription_term_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(foreign_key="subscriptions.id", max_length=36)
    seq: int
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    customer_id: str = Field(max_length=36)
    plan_id: str = Field(max_length=64)
    term_start: date
    term_end: date = Field(index=True)
    """The term's last day (inclusive), a store-local business date."""
    automatic: bool = False
    """This term came from an automatic renewal (with consent)."""
