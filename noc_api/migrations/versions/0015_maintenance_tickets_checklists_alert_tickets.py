"""maintenance tickets, checklists, alert tickets

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 08:14:38.539575
"""

from alembic import op
import sqlalchemy as sa
import noc_api.db.base
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_tickets',
    sa.Column('alert_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('tracking_number', sa.String(length=24), nullable=False),
    sa.Column('opened_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('alert_id', name=op.f('pk_alert_tickets'))
    )
    with op.batch_alter_table('alert_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_tickets_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_tickets_tracking_number'), ['tracking_number'], unique=False)

    op.create_table('maintenance_tickets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('town_id', sa.String(length=64), nullable=True),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('period_start', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('tracking_number', sa.String(length=24), nullable=False),
    sa.Column('created_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('started_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('started_by', sa.String(length=64), nullable=True),
    sa.Column('completed_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('window_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_tickets')),
    sa.UniqueConstraint('plan_id', 'site_id', 'period_key', name=op.f('uq_maintenance_tickets_plan_id')),
    sa.UniqueConstraint('tracking_number', name=op.f('uq_maintenance_tickets_tracking_number'))
    )
    with op.batch_alter_table('maintenance_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_tickets_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_tickets_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_tickets_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_tickets_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_tickets_town_id'), ['town_id'], unique=False)

    op.create_table('maintenance_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('ticked_by', sa.String(length=64), nullable=True),
    sa.Column('ticked_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('fault_tracking', sa.String(length=24), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['maintenance_tickets.id'], name=op.f('fk_maintenance_items_ticket_id_maintenance_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_items')),
    sa.UniqueConstraint('ticket_id', 'item_id', 'device_id', name=op.f('uq_maintenance_items_ticket_id'))
    )
    with op.batch_alter_table('maintenance_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_items_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('maintenance_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_items_ticket_id'))

    op.drop_table('maintenance_items')
    with op.batch_alter_table('maintenance_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_tickets_town_id'))
        batch_op.drop_index(batch_op.f('ix_maintenance_tickets_site_id'))
        batch_op.drop_index(batch_op.f('ix_maintenance_tickets_plan_id'))
        batch_op.drop_index(batch_op.f('ix_maintenance_tickets_due_at'))
        batch_op.drop_index(batch_op.f('ix_maintenance_tickets_completed_at'))

    op.drop_table('maintenance_tickets')
    with op.batch_alter_table('alert_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_tickets_tracking_number'))
        batch_op.drop_index(batch_op.f('ix_alert_tickets_fingerprint'))

    op.drop_table('alert_tickets')
