"""Coupon templates, the coupons granted from them, automation rules and what each rule did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class CouponTemplate(SQLModel, table=True):
    __tablename__ = "coupon_templates"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    """amount_off (满50减10), percent_off (with a cap), free_delivery."""
    amount_off_fen: int | None = None
    percent_off: int | None = None
    max_discount_fen: int | None = None
    min_spend_fen: int = 0
    """The threshold on the order's subtotal (满 N)."""
    valid_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid_days: int | None = None
    """Days a granted coupon stays valid; the earlier of this and valid_until applies."""
    per_customer_limit: int | None = None
    total_limit: int | None = None
    issued_count: int = 0
    store_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """Stores where it may be redeemed; null: every store."""
    points_cost: int | None = None
    """When set, customers may exchange this many points for one (a reward)."""
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Coupon(SQLModel, table=True):
    """A coupon held by one customer; single use; redeemed and released atomically."""

    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("template_id", "customer_id", "slot", name="uq_coupon_slot"),
        Index("ix_coupons_customer_status", "customer_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    template_id: str = Field(foreign_key="coupon_templates.id", index=True, max_length=64)
    customer_id: str = Field(foreign_key="customers.id", max_length=36)
    grant_key: str = Field(unique=True, max_length=200)
    """Why it was granted, e.g. ``rule:win-back:<customer>:n:7``: the same cause grants once."""
    slot: int | None = None
    """1..per_customer_limit: the unique (template, customer, slot) enforces the limit under concurrency."""
    status: str = Field(default="available", max_length=16)
    """available, redeemed, void."""
    valid_from: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    rule_id: str | None = Field(default=None, index=True, max_length=64)
    order_id: str | None = Field(default=None, index=True, max_length=36)
    discount_fen: int | None = None
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    actor: str = Field(default="", max_length=120)


class MarketingRule(SQLModel, table=True):
    """Trigger, audience filter, action and cool-down (see ``hub.marketing.rules``)."""

    __tablename__ = "marketing_rules"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    trigger: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    coupon_template_id: str | None = Field(default=None, foreign_key="coupon_templates.id", max_length=64)
    message_template_id: str | None = Field(default=None, foreign_key="message_templates.id", max_length=64)
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Preference order: a customer gets the message on the first channel they consented to."""
    cooldown_days: int = 0
    attribution_days: int = 14
    enabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RuleAction(SQLModel, table=True):
    """A rule acted on a customer for a period: the unique key that makes every run idempotent."""

    __tablename__ = "rule_actions"
    __table_args__ = (
        UniqueConstraint("rule_id", "customer_id", "period_key", name="uq_rule_action"),
        Index("ix_rule_actions_customer_at", "rule_id", "customer_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(foreign_key="marketing_rules.id", max_length=64)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    period_key: str = Field(max_length=80)
    grant_key: str = Field(max_length=200)
    run_id: str = Field(index=True, max_length=36)
    at: datetime = Field(sa_type=UTCDateTime)
    attribution_until: datetime = Field(sa_type=UTCDateTime)
