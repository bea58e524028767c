"""The CRM's business settings, edited by marketers and stored in the database (``crm_state``)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.api_types import RequestModel, StrictInt
from hub.crm.stats_tables import CrmState
from hub.db_types import utcnow

CONFIG_KEY = "config"
FIGURES_VERSION = 2
"""Raised when ``customer_stats`` gains a figure: the next recompute then rebuilds every row (2: purchase days)."""
BENEFITS = ("free_delivery", "priority_service", "birthday_gift", "double_points")

state = CrmState.__table__  # type: ignore[attr-defined]


class TierRule(RequestModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=32)
    threshold_fen: StrictInt = Field(ge=1, le=10**11)
    """Spend over the rolling window that reaches this tier."""
    benefits: list[str] = Field(default_factory=list, max_length=len(BENEFITS))

    @model_validator(mode="after")
    def _known_benefits(self) -> TierRule:
        unknown = sorted(set(self.benefits) - set(BENEFITS))
        if unknown:
            raise ValueError(f"unknown benefits {unknown}; known: {list(BENEFITS)}")
        return self


DEFAULT_TIERS = [
    TierRule(code="silver", name="银卡", threshold_fen=50_000, benefits=["priority_service"]),
    TierRule(code="gold", name="金卡", threshold_fen=200_000, benefits=["free_delivery", "priority_service"]),
    TierRule(
        code="black_gold",
        name="黑金卡",
        threshold_fen=500_000,
        benefits=["free_delivery", "priority_service", "birthday_gift"],
    ),
]


class CrmConfig(RequestModel):
    window_days: StrictInt = Field(default=365, ge=7, le=3650)
    """The rolling window for RFM frequency and monetary, and for tiers (12 months)."""
    rfm_bins: StrictInt = Field(default=5, ge=2, le=10)
    """Quantile bins of the F and M scores (5: quintiles). The segment map uses quintiles always."""
    recency_days: list[StrictInt] = Field(default_factory=lambda: [14, 30, 60, 90], min_length=4, max_length=4)
    """R from the local days since the last order: 5 under ``recency_days[0]`` days, 4 under [1], 3 under
    [2], 2 under [3], else 1. Fixed thresholds: a customer's R does not depend on anyone else's."""
    scoring_groups: dict[str, list[str]] = Field(default_factory=dict, max_length=50)
    """Store groups (a brand, a region: name -> store ids) whose customers are scored among themselves
    (F and M quantiles by home store). Customers of stores in no group form one more population."""
    new_days: StrictInt = Field(default=30, ge=1, le=3650)
    """Lifecycle new: first order within this many days and one purchase day only."""
    dormant_days: StrictInt = Field(default=30, ge=1, le=3650)
    churned_days: StrictInt = Field(default=90, ge=2, le=3650)
    tiers: list[TierRule] = Field(default_factory=lambda: list(DEFAULT_TIERS), max_length=10)
    points_per_yuan: StrictInt = Field(default=1, ge=0, le=100)
    """Points earned per whole yuan paid."""
    fen_per_point: StrictInt = Field(default=1, ge=1, le=10_000)
    """What one point is worth when spent as payment (1: 100 points = 1 yuan)."""
    night_start_hour: StrictInt = Field(default=21, ge=0, le=23)
    night_end_hour: StrictInt = Field(default=5, ge=0, le=23)
    """Tag "night orders": placed between these local hours."""
    night_share_pct: StrictInt = Field(default=50, ge=1, le=100)
    promo_share_pct: StrictInt = Field(default=50, ge=1, le=100)
    """Tag "promo sensitive": at least this share of orders used a coupon or points."""
    tag_min_orders: StrictInt = Field(default=3, ge=1, le=1000)
    """Share tags need this many orders to mean anything."""
    office_keywords: list[str] = Field(
        default_factory=lambda: ["大厦", "写字楼", "办公", "园区", "科技园", "中心", "公司", "Tower"], max_length=50
    )
    """Tag "office address": a saved address or a delivery address containing one of these."""

    @model_validator(mode="after")
    def _consistent(self) -> CrmConfig:
        if self.churned_days <= self.dormant_days:
            raise ValueError("churned_days must be greater than dormant_days")
        days = self.recency_days
        if days != sorted(days) or len(set(days)) != len(days) or days[0] < 1 or days[-1] > 36500:
            raise ValueError("recency_days: four strictly increasing day counts between 1 and 36500")
        owner: dict[str, str] = {}
        for name, store_ids in self.scoring_groups.items():
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name):
                raise ValueError(f"scoring group {name!r}: 1-64 lower-case letters, digits, - or _")
            if not store_ids or len(store_ids) > 1000:
                raise ValueError(f"scoring group {name!r}: list 1 to 1000 store ids")
            for store_id in store_ids:
                if store_id in owner and owner[store_id] != name:
                    raise ValueError(f"store {store_id!r} is in two scoring groups: {owner[store_id]!r}, {name!r}")
                owner[store_id] = name
        codes = [t.code for t in self.tiers]
        if len(set(codes)) != len(codes) or "member" in codes:
            raise ValueError("tier codes must be unique and not 'member'")
        thresholds = [t.threshold_fen for t in self.tiers]
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            raise ValueError("tiers must be listed by strictly increasing threshold")
        return self

    def scoring_fingerprint(self) -> dict[str, Any]:
        """The settings the per-customer figures depend on: when they change, everything is refreshed."""
        return {
            "figures": FIGURES_VERSION,
            "window_days": self.window_days,
            "night": [self.night_start_hour, self.night_end_hour],
            "office": sorted(self.office_keywords),
            "groups": {name: sorted(ids) for name, ids in sorted(self.scoring_groups.items())},
        }

    def tags_fingerprint(self) -> dict[str, Any]:
        """The rule tags' thresholds: when they change, every customer's rule tags are recomputed."""
        return {
            "night_share_pct": self.night_share_pct,
            "promo_share_pct": self.promo_share_pct,
            "tag_min_orders": self.tag_min_orders,
        }


def load_config(conn: Connection | Session) -> CrmConfig:
    value = conn.execute(select(state.c.value).where(state.c.key == CONFIG_KEY)).scalar()
    return CrmConfig.model_validate(value) if value else CrmConfig()


def save_config(conn: Connection | Session, config: CrmConfig) -> None:
    put_state(conn, CONFIG_KEY, config.model_dump(mode="json"))


def get_state(conn: Connection | Session, key: str) -> dict[str, Any] | None:
    value = conn.execute(select(state.c.value).where(state.c.key == key)).scalar()
    return dict(value) if value is not None else None


def put_state(conn: Connection | Session, key: str, value: dict[str, Any]) -> None:
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(state).values(key=key, value=value, updated_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now}))
