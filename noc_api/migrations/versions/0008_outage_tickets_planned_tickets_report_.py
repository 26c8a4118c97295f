"""outage tickets, planned tickets, report deliveries

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 06:37:36.086412
"""

from alembic import op
import sqlalchemy as sa
import noc_api.db.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_complaints_resolved_at", "complaints", ["resolved_at"], unique=False)
    op.create_index("ix_complaints_backlog", "complaints", ["kind", "registered_at", "due_at", "town_id",
                    "department_id", "category_id", "channel", "assignee"], unique=False)
    op.create_table('outage_tickets',
    sa.Column('outage_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tracking_number', sa.String(length=24), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('opened_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('outage_id', name=op.f('pk_outage_tickets'))
    )
    with op.batch_alter_table('outage_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_tickets_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outage_tickets_tracking_number'), ['tracking_number'], unique=False)

    op.create_table('planned_tickets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('tracking_number', sa.String(length=24), nullable=False),
    sa.Column('created_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_tickets')),
    sa.UniqueConstraint('source', name=op.f('uq_planned_tickets_source'))
    )
    op.create_table('report_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period_day', sa.Date(), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('sent_at', noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_deliveries')),
    sa.UniqueConstraint('kind', 'period_day', 'recipient', name=op.f('uq_report_deliveries_kind'))
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_backlog", table_name="complaints")
    op.drop_index("ix_complaints_resolved_at", table_name="complaints")
    op.drop_table('report_deliveries')
    op.drop_table('planned_tickets')
    with op.batch_alter_table('outage_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_tickets_tracking_number'))
        batch_op.drop_index(batch_op.f('ix_outage_tickets_subject_id'))

    op.drop_table('outage_tickets')
