"""Coupons on the wire: templates, grants, coupons."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from hub.api_types import SLUG, RequestModel, StrictBool, StrictInt, UtcDatetime
from hub.marketing.coupon_rules import CouponKind

STORE_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class CouponTemplateIn(RequestModel):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    kind: CouponKind
    amount_off_fen: StrictInt | None = Field(default=None, ge=1, le=10_000_000)
    percent_off: StrictInt | None = Field(default=None, ge=1, le=99)
    """15 = 15% off (8.5折)."""
    max_discount_fen: StrictInt | None = Field(default=None, ge=1, le=10_000_000)
    min_spend_fen: StrictInt = Field(default=0, ge=0, le=100_000_000)
    valid_from: UtcDatetime | None = None
    valid_until: UtcDatetime | None = None
    valid_days: StrictInt | None = Field(default=None, ge=1, le=3650)
    per_customer_limit: StrictInt | None = Field(default=None, ge=1, le=1000)
    total_limit: StrictInt | None = Field(default=None, ge=1, le=100_000_000)
    store_ids: list[str] | None = Field(default=None, max_length=1000)
    points_cost: StrictInt | None = Field(default=None, ge=1, le=100_000_000)

    @model_validator(mode="after")
    def _terms(self) -> CouponTemplateIn:
        if self.kind is CouponKind.AMOUNT_OFF and self.amount_off_fen is None:
            raise ValueError("an amount_off coupon needs amount_off_fen")
        if self.kind is CouponKind.PERCENT_OFF and self.percent_off is None:
            raise ValueError("a percent_off coupon needs percent_off")
        if self.kind is not CouponKind.AMOUNT_OFF and self.amount_off_fen is not None:
            raise ValueError("amount_off_fen is for amount_off coupons only")
        if self.kind is not CouponKind.PERCENT_OFF and (self.percent_off is not None or self.max_discount_fen):
            raise ValueError("percent_off and max_discount_fen are for percent_off coupons only")
        if self.valid_days is None and self.valid_until is None:
            raise ValueError("give valid_days or valid_until: a coupon must end")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.store_ids is not None and (not self.store_ids or any(not s or len(s) > 64 for s in self.store_ids)):
            raise ValueError("store_ids: a non-empty list of store ids, or null for every store")
        return self


class CouponTemplatePatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    active: StrictBool | None = None
    valid_until: UtcDatetime | None = None
    per_customer_limit: StrictInt | None = Field(default=None, ge=1, le=1000)
    total_limit: StrictInt | None = Field(default=None, ge=1, le=100_000_000)
    points_cost: StrictInt | None = Field(default=None, ge=1, le=100_000_000)


class CouponTemplateOut(BaseModel):
    id: str
    name: str
    title: str
    """How a customer reads it: 满50减10."""
    kind: CouponKind
    amount_off_fen: int | None
    percent_off: int | None
    max_discount_fen: int | None
    min_spend_fen: int
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    per_customer_limit: int | None
    total_limit: int | None
    issued_count: int
    store_ids: list[str] | None
    points_cost: int | None
    active: bool


class GrantIn(RequestModel):
    customer_id: str = Field(min_length=1, max_length=36)
    key: str | None = Field(default=None, min_length=1, max_length=120, pattern=r"^[\x21-\x7e]+$")
    """Idempotency key: the same key never grants twice. Default: one grant per request."""


class CouponOut(BaseModel):
    id: int
    code: str
    template_id: str
    title: str
    customer_id: str
    status: str
    """available, redeemed, void; an available coupon past valid_until is expired."""
    expired: bool
    valid_from: datetime
    valid_until: datetime
    granted_at: datetime
    rule_id: str | None
    order_id: str | None
    discount_fen: int | None
    redeemed_at: datetime | None
