"""kitchen_tickets: resend count and next resend time; an index for the unconfirmed tickets

Revision ID: k_kitchen_ticket_resends
Revises: 0004_g_crm
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db_types

revision: str = "k_kitchen_ticket_resends"
down_revision: str | Sequence[str] | None = "0004_g_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kitchen_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resends", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_resend_at", hub.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_kitchen_tickets_unconfirmed", ["printed_at", "delivered_at", "shown_at", "sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kitchen_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_kitchen_tickets_unconfirmed")
        batch_op.drop_column("next_resend_at")
        batch_op.drop_column("resends")
