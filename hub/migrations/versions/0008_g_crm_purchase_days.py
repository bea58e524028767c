"""customer_stats: purchase days and scoring group; the seeded win-back rule gets an upper limit

Revision ID: 0004_g_crm
Revises: 0004_f_accounts
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_g_crm"
down_revision: str | Sequence[str] | None = "0004_f_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_WINBACK = {"days": 20, "max_days": None}
SANE_WINBACK = {"days": 20, "max_days": 60}
"""20 to 60 days without an order: enabling the rule after importing years of history coupons the
recently lapsed, not every customer the business ever had."""


def _winback(old: dict[str, object], new: dict[str, object]) -> None:
    rules = sa.table("marketing_rules", sa.column("id"), sa.column("params", sa.JSON()))
    bind = op.get_bind()
    current = bind.execute(sa.select(rules.c.params).where(rules.c.id == "win-back")).scalar()
    if current == old:  # a marketer's own settings stay as they are
        bind.execute(sa.update(rules).where(rules.c.id == "win-back").values(params=new))


def upgrade() -> None:
    with op.batch_alter_table("customer_stats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("window_purchase_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("scoring_group", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="")
        )
    _winback(SEEDED_WINBACK, SANE_WINBACK)


def downgrade() -> None:
    _winback(SANE_WINBACK, SEEDED_WINBACK)
    with op.batch_alter_table("customer_stats", schema=None) as batch_op:
        batch_op.drop_column("scoring_group")
        batch_op.drop_column("window_purchase_days")
        batch_op.drop_column("purchase_days")
