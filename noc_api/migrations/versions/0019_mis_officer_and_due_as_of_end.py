"""MIS as of a period's end, per officer and overdue: when a complaint last moved (its officer, town, department,
category, ward or due date)

Events that move them record what they were from now on (``data.was``); older complaints get the time of their
last event that can have moved them (an assignment, routing, re-mark, edit, resumption or escalation).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 15:10:00
"""

import sqlalchemy as sa
from alembic import op

from complaint_core.adapters.sqltypes import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # complaints carries the SQLite full-text triggers: plain ADD COLUMN keeps them (a batch copy would drop them).
    op.add_column("complaints", sa.Column("moved_at", UtcDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE complaints SET moved_at = (SELECT max(e.at) FROM complaint_events e"
        " WHERE e.complaint_id = complaints.id AND (e.action IN ('assign', 'route', 'remark', 'edit', 'resume')"
        " OR (e.to_status = 'escalated' AND COALESCE(e.from_status, '') <> 'escalated')))"
    )
    op.create_index("ix_complaints_moved", "complaints", ["moved_at", "registered_at"])


def downgrade() -> None:
    op.drop_index("ix_complaints_moved", table_name="complaints")
    op.drop_column("complaints", "moved_at")
