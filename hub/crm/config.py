"""The CRM's business settings, edited by marketers and stored in the database (``crm_state``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.stats_tables import CrmState
from hub.db_types import utcnow

CONFIG_KEY = "config"
BENEFITS = ("free_delivery", "priority_service", "birthday_gift", "double_points")

state = CrmState.__table__  # type: ignore[attr-defined]


class TierRule(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=32)
    threshold_fen: int = Field(ge=1, le=10**11)
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


class CrmConfig(BaseModel):
    window_days: int = Field(default=365, ge=7, le=3650)
    """The rolling window for RFM frequency and monetary, and for tiers (12 months)."""
    rfm_bins: int = Field(default=5, ge=2, le=10)
    """Quantile bins of each RFM score (5: quintiles). The segment map uses quintiles always."""
    new_days: int = Field(default=30, ge=1, le=3650)
    """Lifecycle new: first order within this many days and no more than one order."""
    dormant_days: int = Field(default=30, ge=1, le=3650)
    churned_days: int = Field(default=90, ge=2, le=3650)
    tiers: list[TierRule] = Field(default_factory=lambda: list(DEFAULT_TIERS), max_length=10)
    points_per_yuan: int = Field(default=1, ge=0, le=100)
    """Points earned per whole yuan paid."""
    fen_per_point: int = Field(default=1, ge=1, le=10_000)
    """What one point is worth when spent as payment (1: 100 points = 1 yuan)."""
    night_start_hour: int = Field(default=21, ge=0, le=23)
    night_end_hour: int = Field(default=5, ge=0, le=23)
    """Tag "night orders": placed between these local hours."""
    night_share_pct: int = Field(default=50, ge=1, le=100)
    promo_share_pct: int = Field(default=50, ge=1, le=100)
    """Tag "promo sensitive": at least this share of orders used a coupon or points."""
    tag_min_orders: int = Field(default=3, ge=1, le=1000)
    """Share tags need this many orders to mean anything."""
    office_keywords: list[str] = Field(
        default_factory=lambda: ["大厦", "写字楼", "办公", "园区", "科技园", "中心", "公司", "Tower"], max_length=50
    )
    """Tag "office address": a saved address or a delivery address containing one of these."""

    @model_validator(mode="after")
    def _consistent(self) -> CrmConfig:
        if self.churned_days <= self.dormant_days:
            raise ValueError("churned_days must be greater than dormant_days")
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
            "window_days": self.window_days,
            "night": [self.night_start_hour, self.night_end_hour],
            "office": sorted(self.office_keywords),
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
