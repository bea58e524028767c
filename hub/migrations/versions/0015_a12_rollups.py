"""analytics: purchase-day, customer first-day and rider rollups; deliveries by updated_at

Revision ID: a12_rollups
Revises: subs_rider_routes
Create Date: 2026-12-06 23:00:00

The watermarks are reset, so the hub's next refresh builds every rollup (the new ones from all history).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a12_rollups"
down_revision: str | Sequence[str] | None = "subs_rider_routes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "analytics_purchase_days",
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("customer_id", _text(36), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "customer_id"),
    )
    op.create_index("ix_analytics_purchase_days_customer", "analytics_purchase_days", ["customer_id", "day"])
    op.create_table(
        "analytics_customer_firsts",
        sa.Column("customer_id", _text(36), nullable=False),
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "store_id"),
    )
    op.create_index("ix_analytics_customer_firsts_first_day", "analytics_customer_firsts", ["first_day"])
    op.create_table(
        "analytics_daily_riders",
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rider_id", _text(64), nullable=False),
        sa.Column("reason", _text(32), nullable=False),
        sa.Column("delivery_store_id", _text(64), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("promised", sa.Integer(), nullable=False),
        sa.Column("timed", sa.Integer(), nullable=False),
        sa.Column("delivery_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "rider_id", "reason"),
    )
    op.create_index("ix_deliveries_updated_at", "deliveries", ["updated_at"])
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_index("ix_deliveries_updated_at", table_name="deliveries")
    op.drop_table("analytics_daily_riders")
    op.drop_index("ix_analytics_customer_firsts_first_day", table_name="analytics_customer_firsts")
    op.drop_table("analytics_customer_firsts")
    op.drop_index("ix_analytics_purchase_days_customer", table_name="analytics_purchase_days")
    op.drop_table("analytics_purchase_days")
