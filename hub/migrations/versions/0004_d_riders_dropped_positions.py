"""riders: count the positions the hub drops as dated too far ahead, with the last drop

Revision ID: 0004_d_riders
Revises: 0003_merge
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db_types

revision: str = '0004_d_riders'
down_revision: str | Sequence[str] | None = '0003_merge'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('riders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('positions_dropped', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_drop_at', hub.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_drop_ahead_s', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('riders', schema=None) as batch_op:
        batch_op.drop_column('last_drop_ahead_s')
        batch_op.drop_column('last_drop_at')
        batch_op.drop_column('positions_dropped')
