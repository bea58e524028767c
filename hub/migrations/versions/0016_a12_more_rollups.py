"""analytics: products' and stations' daily rollups; kitchen tickets' updated_at

Revision ID: a12_more_rollups
Revises: a12_rollups
Create Date: 2026-12-07 03:20:00

The watermarks are reset, so the hub's next refresh builds every rollup (the new ones from all history).
Existing kitchen tickets keep a null ``updated_at`` (that first build reads them all); every update sets it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db_types

revision: str = "a12_more_rollups"
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
    op.create_table(
        "analytics_daily_stations",
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket_store_id", _text(64), nullable=False),
        sa.Column("station_code", _text(64), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("bumped", sa.Integer(), nullable=False),
        sa.Column("ticket_s", sa.Float(), nullable=False),
        sa.Column("longest_s", sa.Float(), nullable=True),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("late_after_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "ticket_store_id", "station_code"),
    )
    with op.batch_alter_table("kitchen_tickets") as batch:
        batch.add_column(sa.Column("updated_at", hub.db_types.UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_kitchen_tickets_updated_at", "kitchen_tickets", ["updated_at"])
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_index("ix_kitchen_tickets_updated_at", table_name="kitchen_tickets")
    with op.batch_alter_table("kitchen_tickets") as batch:
        batch.drop_column("updated_at")
    op.drop_table("analytics_daily_stations")
    op.drop_table("analytics_daily_products")
