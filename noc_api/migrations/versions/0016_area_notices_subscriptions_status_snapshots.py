"""area notices, notice subscriptions, status snapshots

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 11:48:07.647255
"""

from alembic import op
import sqlalchemy as sa
import noc_api.db.base
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('town_id', sa.String(length=64), nullable=True),
    sa.Column('ward', sa.String(length=100), nullable=True),
    sa.Column('starts_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=64), nullable=True),
    sa.Column('auto_key', sa.String(length=100), nullable=True),
    sa.Column('fanned_out_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_notices'))
    )
    with op.batch_alter_table('area_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_notices_auto_key'), ['auto_key'], unique=False)
        batch_op.create_index('ix_area_notices_current', ['withdrawn_at', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_notices_town_id'), ['town_id'], unique=False)

    op.create_table('notice_subscriptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('medium', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('town_id', sa.String(length=64), nullable=True),
    sa.Column('ward', sa.String(length=100), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('code_expires_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('wrong_codes', sa.Integer(), nullable=False),
    sa.Column('created_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_subscriptions'))
    )
    with op.batch_alter_table('notice_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_subscriptions_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_subscriptions_town_id'), ['town_id'], unique=False)

    op.create_table('status_snapshots',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('built_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('document', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_status_snapshots'))
    )


def downgrade() -> None:
    op.drop_table('status_snapshots')
    with op.batch_alter_table('notice_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_subscriptions_town_id'))
        batch_op.drop_index(batch_op.f('ix_notice_subscriptions_address'))

    op.drop_table('notice_subscriptions')
    with op.batch_alter_table('area_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_notices_town_id'))
        batch_op.drop_index('ix_area_notices_current')
        batch_op.drop_index(batch_op.f('ix_area_notices_auto_key'))

    op.drop_table('area_notices')
