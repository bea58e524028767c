"""orders: the idempotency key includes the store for store-scoped channels; a request fingerprint

Revision ID: 0004_a_orders
Revises: 0004_c_devices
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import hub.db_types

revision: str = '0004_a_orders'
down_revision: str | None = '0004_c_devices'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORE_SCOPED_CHANNELS = ('store-pos', 'manual', 'phone', 'walk-in')
"""As ``hub.orders.idempotency.STORE_SCOPED_CHANNELS`` when this revision was written."""


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('key_scope', sqlmodel.sql.sqltypes.AutoString(length=64), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    orders = sa.table('orders', sa.column('channel', sa.String), sa.column('store_id', sa.String),
                      sa.column('key_scope', sa.String))
    op.execute(orders.update().where(orders.c.channel.in_(STORE_SCOPED_CHANNELS)).values(key_scope=orders.c.store_id))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_order_idempotency', type_='unique')
        batch_op.create_unique_constraint('uq_order_idempotency', ['channel', 'key_scope', 'external_id'])


def downgrade() -> None:
    # Fails if two stores now hold the same (channel, external id): that is what this revision allows.
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_order_idempotency', type_='unique')
        batch_op.create_unique_constraint('uq_order_idempotency', ['channel', 'external_id'])
        batch_op.drop_column('request_hash')
        batch_op.drop_column('key_scope')
