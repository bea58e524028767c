"""Notifications and message templates on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from hub.api_types import SLUG, RequestModel
from hub.notifications.channels import Channel
from hub.notifications.templates import VARIABLES, unknown_variables


class MessageTemplateIn(RequestModel):
    line_break_fields = frozenset({"body"})

    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    subject: str = Field(default="", max_length=200)
    body: str = Field(min_length=1, max_length=2000)

    @field_validator("subject", "body")
    @classmethod
    def _known_variables(cls, value: str) -> str:
        unknown = unknown_variables(value)
        if unknown:
            raise ValueError(f"unknown variables {unknown}; known: {sorted(VARIABLES)}")
        return value


class MessageTemplateOut(BaseModel):
    id: str
    name: str
    subject: str
    body: str


class NotificationOut(BaseModel):
    id: int
    customer_id: str
    channel: str
    template_id: str
    rule_id: str | None
    coupon_id: int | None
    status: str
    """queued, sent, suppressed (no consent, no contact, erased) or failed (after every retry)."""
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class SendIn(RequestModel):
    template_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    key: str = Field(pattern=r"^[\x21-\x7e]{1,120}$")
    """Idempotency key: the same key queues one message."""
    variables: dict[str, Any] = Field(default_factory=dict, max_length=len(VARIABLES))

    @field_validator("variables")
    @classmethod
    def _known(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(VARIABLES))
        if unknown:
            raise ValueError(f"unknown variables {unknown}")
        return {k: str(v)[:200] for k, v in value.items()}
