"""MIS as of a period's end: rejections timed on the row, ward in the backlog index, the indexes that find what
changed after a period's end (resolved, rejected or reopened since) without reading every complaint

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None
KEYS = ["town_id", "department_id", "category_id", "channel", "assignee"]
REJECTED = sa.text("status = 'rejected'")
REOPENED = sa.text("reopen_count > 0")


def upgrade() -> None:
    # A rejection's time: its event's, else the row's last change.
    op.execute(
        "UPDATE complaints SET closed_at = COALESCE((SELECT max(e.at) FROM complaint_events e"
        " WHERE e.complaint_id = complaints.id AND e.action = 'reject'), updated_at)"
        " WHERE status = 'rejected' AND closed_at IS NULL"
    )
    op.drop_index("ix_complaints_backlog", table_name="complaints")
    op.create_index("ix_complaints_backlog", "complaints", ["kind", "registered_at", "due_at", *KEYS, "ward"])
    op.drop_index("ix_complaints_resolved_at", table_name="complaints")
    op.create_index(
        "ix_complaints_resolved_at", "complaints", ["resolved_at", "registered_at", "due_at", *KEYS, "ward"]
    )
    op.create_index(
        "ix_complaints_rejected", "complaints", ["closed_at"], sqlite_where=REJECTED, postgresql_where=REJECTED
    )
    op.create_index(
        "ix_complaints_reopened", "complaints", ["registered_at"], sqlite_where=REOPENED, postgresql_where=REOPENED
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_reopened", table_name="complaints")
    op.drop_index("ix_complaints_rejected", table_name="complaints")
    op.drop_index("ix_complaints_resolved_at", table_name="complaints")
    op.create_index("ix_complaints_resolved_at", "complaints", ["resolved_at"])
    op.drop_index("ix_complaints_backlog", table_name="complaints")
    op.create_index("ix_complaints_backlog", "complaints", ["kind", "registered_at", "due_at", *KEYS])
