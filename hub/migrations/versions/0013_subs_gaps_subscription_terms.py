"""subscriptions: one row per paid term (renewal-rate figures in SQL)

Revision ID: subs_gaps_terms
Revises: s_subs_subscriptions
Create Date: 2026-12-03 07:45:00

Filled from each subscription's timeline whenever it is stored, and for subscriptions stored
before this revision by the subscription upkeep job's first run.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "subs_gaps_terms"
down_revision: str | Sequence[str] | None = "s_subs_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "subscription_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", _text(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("store_id", _text(64), nullable=False),
        sa.Column("customer_id", _text(36), nullable=False),
        sa.Column("plan_id", _text(64), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "seq", name="uq_subscription_term_seq"),
    )
    op.create_index(op.f("ix_subscription_terms_store_id"), "subscription_terms", ["store_id"], unique=False)
    op.create_index(op.f("ix_subscription_terms_term_end"), "subscription_terms", ["term_end"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subscription_terms_term_end"), table_name="subscription_terms")
    op.drop_index(op.f("ix_subscription_terms_store_id"), table_name="subscription_terms")
    op.drop_table("subscription_terms")
