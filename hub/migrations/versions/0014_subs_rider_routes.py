"""subscriptions: the rider each generated delivery's route is given to at the cut-off

Revision ID: subs_rider_routes
Revises: subs_gaps_terms
Create Date: 2026-12-03 12:45:00

Deliveries generated before this revision have no rider: their routes were never pushed to a bike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "subs_rider_routes"
down_revision: str | Sequence[str] | None = "subs_gaps_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscription_deliveries") as batch:
        batch.add_column(sa.Column("rider_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index(op.f("ix_subscription_deliveries_rider_id"), "subscription_deliveries", ["rider_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subscription_deliveries_rider_id"), table_name="subscription_deliveries")
    with op.batch_alter_table("subscription_deliveries") as batch:
        batch.drop_column("rider_id")
