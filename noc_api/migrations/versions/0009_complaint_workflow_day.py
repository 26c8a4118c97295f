"""complaint workflow: counter sites, call references, QC calls, ratings and appeals queue

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import complaint_core.adapters.orm


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # users has no triggers: SQLite may copy it (batch) to add the foreign key.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_site_id_sites'), 'sites', ['site_id'], ['id'])
    # complaints carries the SQLite full-text triggers: plain ADD COLUMN keeps them (a batch copy would drop them).
    op.add_column('complaints', sa.Column('site_id', sa.String(length=64), nullable=True))
    op.add_column('complaints', sa.Column('call_ref', sa.String(length=64), nullable=True))
    op.create_index('ix_complaints_site_id', 'complaints', ['site_id'], unique=False)
    op.create_index('ix_complaints_call_ref', 'complaints', ['call_ref'], unique=False)
    if op.get_context().dialect.name == 'postgresql':
        op.execute("UPDATE complaints SET call_ref = left(channel_data->>'call_ref', 64) WHERE channel = 'call_centre'")
    else:
        op.execute(
            "UPDATE complaints SET call_ref = substr(json_extract(channel_data, '$.call_ref'), 1, 64)"
            " WHERE channel = 'call_centre'"
        )
    op.add_column('complaint_feedback', sa.Column('handled_at', complaint_core.adapters.orm.UtcDateTime(timezone=True), nullable=True))
    op.add_column('complaint_feedback', sa.Column('handled_by', sa.String(length=64), nullable=True))
    op.add_column('complaint_feedback', sa.Column('handled_note', sa.Text(), nullable=True))
    op.create_table('complaint_qc_calls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', complaint_core.adapters.orm.UtcDateTime(timezone=True), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('words', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('status_at_call', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_qc_calls_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_qc_calls'))
    )
    op.create_index('ix_complaint_qc_calls_at', 'complaint_qc_calls', ['at'], unique=False)
    op.create_index(op.f('ix_complaint_qc_calls_complaint_id'), 'complaint_qc_calls', ['complaint_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_complaint_qc_calls_complaint_id'), table_name='complaint_qc_calls')
    op.drop_index('ix_complaint_qc_calls_at', table_name='complaint_qc_calls')
    op.drop_table('complaint_qc_calls')
    op.drop_column('complaint_feedback', 'handled_note')
    op.drop_column('complaint_feedback', 'handled_by')
    op.drop_column('complaint_feedback', 'handled_at')
    op.drop_index('ix_complaints_call_ref', table_name='complaints')
    op.drop_index('ix_complaints_site_id', table_name='complaints')
    op.drop_column('complaints', 'call_ref')
    op.drop_column('complaints', 'site_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_site_id_sites'), type_='foreignkey')
        batch_op.drop_column('site_id')
