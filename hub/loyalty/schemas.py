"""Points on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictInt

KEY = r"^[\x21-\x7e]{1,120}$"


class PointsEntryOut(BaseModel):
    id: int
    delta: int
    kind: str
    key: str
    order_id: str | None
    note: str
    actor: str
    at: datetime


class PointsOut(BaseModel):
    customer_id: str
    balance: int
    """Always the sum of every entry of the ledger."""
    entries: list[PointsEntryOut]
    """Newest first (at most ``limit``)."""


class AdjustIn(RequestModel):
    delta: StrictInt = Field(ge=-10_000_000, le=10_000_000)
    reason: str = Field(min_length=1, max_length=200)
    key: str = Field(pattern=KEY)
    """Idempotency key: the same key adjusts once."""


class RewardIn(RequestModel):
    template_id: str = Field(min_length=1, max_length=64)
    """A coupon template with a points_cost."""
    key: str = Field(pattern=KEY)
    """Idempotency key: the same key exchanges once."""


class TierRuleOut(BaseModel):
    code: str
    name: str
    threshold_fen: int
    benefits: list[str]


class TiersOut(BaseModel):
    window_days: int
    tiers: list[TierRuleOut]
    points_per_yuan: int
    fen_per_point: int
