"""Message templates and the notification outbox (one row per customer, channel and cause)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class MessageTemplate(SQLModel, table=True):
    __tablename__ = "message_templates"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=2000)
    """Chinese text with {variables}: name, coupon_title, coupon_code, coupon_valid_until, ..."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """queued -> sent, or suppressed (no consent, no contact, erased), or failed after every retry."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    channel: str = Field(max_length=16)
    """sms and wechat go through the business's webhook gateway; email over SMTP."""
    template_id: str = Field(foreign_key="message_templates.id", max_length=64)
    rule_id: str | None = Field(default=None, index=True, max_length=64)
    coupon_id: int | None = Field(default=None, foreign_key="coupons.id")
    dedupe_key: str = Field(unique=True, max_length=220)
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
