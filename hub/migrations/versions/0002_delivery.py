"""delivery: riders, positions (partitioned by day on PostgreSQL), deliveries, route plans

Revision ID: 0002_delivery
Revises: 0001
Create Date: 2026-11-24 02:23:43.606205
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import hub.db_types

revision: str = '0002_delivery'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTITION_SCHEMA = 'brigade_parts'
"""Day partitions of rider_positions live in their own schema, out of the models' way."""


def upgrade() -> None:
    op.create_table('riders',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('store_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('riders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_riders_store_id'), ['store_id'], unique=False)

    op.create_table('rider_last_positions',
    sa.Column('rider_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('fix_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('speed_mps', sa.Float(), nullable=True),
    sa.Column('heading_deg', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('received_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('rider_id')
    )

    op.create_table('store_dispatch',
    sa.Column('store_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('planned_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('requested_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('plan_seconds', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('store_id')
    )

    op.create_table('route_plans',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('store_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rider_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('planned_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('start_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('start_lat', sa.Float(), nullable=False),
    sa.Column('start_lon', sa.Float(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('stops', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rider_id', 'version', name='uq_route_plan_version')
    )
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.create_index('ix_route_plans_store_current', ['store_id', 'current'], unique=False)

    op.create_table('deliveries',
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('store_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rider_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('assigned_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('picked_up_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrived_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('delivered_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('proof_kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('proof_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('drop_lat', sa.Float(), nullable=True),
    sa.Column('drop_lon', sa.Float(), nullable=True),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('eta', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('late_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expected_delay_s', sa.Integer(), nullable=True),
    sa.Column('gf_candidate_since', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('gf_last_fix_at', hub.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('order_id')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_rider_stage', ['rider_id', 'stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_store_id'), ['store_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE TABLE rider_positions ('
            ' rider_id VARCHAR(64) NOT NULL,'
            ' fix_at TIMESTAMP WITH TIME ZONE NOT NULL,'
            ' lat FLOAT NOT NULL,'
            ' lon FLOAT NOT NULL,'
            ' speed_mps FLOAT,'
            ' heading_deg FLOAT,'
            ' accuracy_m FLOAT,'
            ' received_at TIMESTAMP WITH TIME ZONE NOT NULL,'
            ' CONSTRAINT rider_positions_pkey PRIMARY KEY (rider_id, fix_at)'
            ') PARTITION BY RANGE (fix_at)'
        )
        op.execute(f'CREATE SCHEMA IF NOT EXISTS {PARTITION_SCHEMA}')
        op.execute(f'CREATE TABLE {PARTITION_SCHEMA}.rider_positions_default PARTITION OF rider_positions DEFAULT')
    else:
        op.create_table('rider_positions',
        sa.Column('rider_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('fix_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('speed_mps', sa.Float(), nullable=True),
        sa.Column('heading_deg', sa.Float(), nullable=True),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.Column('received_at', hub.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('rider_id', 'fix_at')
        )


def downgrade() -> None:
    op.drop_table('deliveries')
    op.drop_table('route_plans')
    op.drop_table('store_dispatch')
    op.drop_table('rider_last_positions')
    op.drop_table('riders')
    op.drop_table('rider_positions')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP SCHEMA IF EXISTS {PARTITION_SCHEMA} CASCADE')
