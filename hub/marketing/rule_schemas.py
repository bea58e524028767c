"""Automation rules on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from hub.api_types import SLUG, RequestModel, StrictBool, StrictInt
from hub.marketing.rules import Audience, Trigger, contradiction, parse_params
from hub.notifications.api import Channel


class RuleIn(RequestModel):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    trigger: Trigger
    params: dict[str, Any] = Field(default_factory=dict)
    audience: Audience = Field(default_factory=Audience)
    coupon_template_id: str | None = Field(default=None, max_length=64)
    message_template_id: str | None = Field(default=None, max_length=64)
    channels: list[Channel] = Field(default_factory=list, max_length=3)
    cooldown_days: StrictInt = Field(default=0, ge=0, le=3650)
    """After acting on a customer, this rule leaves them alone this many days."""
    attribution_days: StrictInt = Field(default=14, ge=1, le=365)
    """Orders within this many days after an action count as the rule's."""
    enabled: StrictBool = False

    @model_validator(mode="after")
    def _valid(self) -> RuleIn:
        self.params = parse_params(self.trigger, self.params).model_dump()
        reason = contradiction(self.trigger, self.params, self.audience)
        if reason is not None:
            raise ValueError(reason)
        if self.coupon_template_id is None and self.message_template_id is None:
            raise ValueError("a rule needs a coupon template, a message template, or both")
        if self.message_template_id is not None and not self.channels:
            raise ValueError("a rule that sends a message needs at least one channel")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must not repeat")
        return self


class RulePatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    params: dict[str, Any] | None = None
    audience: Audience | None = None
    coupon_template_id: str | None = Field(default=None, max_length=64)
    message_template_id: str | None = Field(default=None, max_length=64)
    channels: list[Channel] | None = Field(default=None, max_length=3)
    cooldown_days: StrictInt | None = Field(default=None, ge=0, le=3650)
    attribution_days: StrictInt | None = Field(default=None, ge=1, le=365)
    enabled: StrictBool | None = None


class RuleOut(BaseModel):
    id: str
    name: str
    trigger: Trigger
    params: dict[str, Any]
    audience: Audience
    coupon_template_id: str | None
    message_template_id: str | None
    channels: list[Channel]
    cooldown_days: int
    attribution_days: int
    enabled: bool
    last_run_at: datetime | None


class RuleRunOut(BaseModel):
    rule_id: str
    ran: bool
    """False when another hub process was running it (nothing is lost: it runs again later), and for a dry run."""
    targeted: int
    """Customers acted on (a dry run: who would be, now)."""
    granted: int
    queued: int
    seconds: float
    dry_run: bool = False
    """Nothing was granted, queued or recorded: the counts say what a run now would do."""


class RuleStatsOut(BaseModel):
    rule_id: str
    targeted: int
    """Customers acted on (rule, customer, period)."""
    granted: int
    """Coupons granted."""
    sent: int
    queued: int
    suppressed: int
    failed: int
    redeemed: int
    attributed_orders: int
    """Orders the targeted customers placed within attribution_days after the action."""
    attributed_revenue_fen: int
