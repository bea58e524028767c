"""How often the CRM's background jobs run (part of ``HubSettings``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CrmSettings(BaseModel):
    feed_interval_s: float = Field(default=2.0, gt=0)
    """Order events are turned into points, coupon releases and fresh scores this often."""
    recompute_interval_s: float = Field(default=3600.0, gt=0)
    """RFM, segments, lifecycle, tiers and rule tags for everyone."""
    rules_interval_s: float = Field(default=900.0, gt=0)
    """Scheduled rules (keyed by period, so running them often grants nothing twice)."""
    send_interval_s: float = Field(default=5.0, gt=0)
    feed_batch_size: int = Field(default=500, ge=1, le=100_000)
    rule_batch_size: int = Field(default=50_000, ge=100, le=1_000_000)
