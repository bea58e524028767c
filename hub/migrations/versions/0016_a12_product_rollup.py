"""analytics: products' daily rollup (per store, local day and sku)

Revision ID: a12_product_rollup
Revises: a12_rollups
Create Date: 2026-12-07 03:20:00

The watermarks are reset, so the hub's next refresh builds every rollup (the new one from all history).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a12_product_rollup"
down_revision: str | Sequence[str] | None = "a12_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "analytics_daily_products",
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", _text(64), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_fen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "sku"),
    )
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_table("analytics_daily_products")
