"""analytics: churn fits and scores, the daily sales rollup and its watermark

Revision ID: a12_analytics
Revises: 0004_g_crm
Create Date: 2026-12-02 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from hub.db_types import UTCDateTime

revision: str = "a12_analytics"
down_revision: str | Sequence[str] | None = "sd_service_desk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "analytics_churn_fits",
        sa.Column("id", _text(36), nullable=False),
        sa.Column("fitted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("r", sa.Float(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("a", sa.Float(), nullable=False),
        sa.Column("b", sa.Float(), nullable=False),
        sa.Column("gg_p", sa.Float(), nullable=True),
        sa.Column("gg_q", sa.Float(), nullable=True),
        sa.Column("gg_gamma", sa.Float(), nullable=True),
        sa.Column("at_risk_below", sa.Float(), nullable=False),
        sa.Column("at_risk", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_analytics_churn_fits_fitted_at", "analytics_churn_fits", ["fitted_at"])
    op.create_table(
        "analytics_churn_scores",
        sa.Column("customer_id", _text(36), nullable=False),
        sa.Column("fit_id", _text(36), nullable=False),
        sa.Column("purchase_days", sa.Integer(), nullable=False),
        sa.Column("last_purchase_day", sa.Date(), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=False),
        sa.Column("expected_purchases_30d", sa.Float(), nullable=False),
        sa.Column("expected_purchases_90d", sa.Float(), nullable=False),
        sa.Column("expected_value_fen", sa.Integer(), nullable=True),
        sa.Column("expected_value_90d_fen", sa.Integer(), nullable=True),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index("ix_churn_scores_risk", "analytics_churn_scores", ["at_risk", "p_alive"])
    op.create_table(
        "analytics_daily_sales",
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_fen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day"),
    )
    op.create_table(
        "analytics_rollup_state",
        sa.Column("name", _text(32), nullable=False),
        sa.Column("watermark", UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_orders_updated_at", "orders", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_updated_at", table_name="orders")
    op.drop_table("analytics_rollup_state")
    op.drop_table("analytics_daily_sales")
    op.drop_index("ix_churn_scores_risk", table_name="analytics_churn_scores")
    op.drop_table("analytics_churn_scores")
    op.drop_index("ix_analytics_churn_fits_fitted_at", table_name="analytics_churn_fits")
    op.drop_table("analytics_churn_fits")
