"""analytics: the areas' daily rollup (per day, store, drop-off grid cell and customer)

Revision ID: a12_area_rollup
Revises: a12_more_rollups
Create Date: 2026-12-07 15:40:00

The orders' watermark is reset, so the hub's next refresh rewrites every (store, day) of the orders' rollups,
the new table's from all history (the deliveries' and tickets' watermarks are kept).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a12_area_rollup"
down_revision: str | Sequence[str] | None = "a12_more_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "analytics_daily_area_customers",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("lat_cell", sa.Integer(), nullable=False),
        sa.Column("lon_cell", sa.Integer(), nullable=False),
        sa.Column("customer_id", _text(36), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_fen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "store_id", "lat_cell", "lon_cell", "customer_id"),
    )
    op.execute("DELETE FROM analytics_rollup_state WHERE name = 'daily_sales'")


def downgrade() -> None:
    op.drop_table("analytics_daily_area_customers")
