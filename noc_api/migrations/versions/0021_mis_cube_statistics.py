"""MIS cube: tell PostgreSQL's planner how few groups its six keys make

The MIS groups complaints by (town, department, category, channel, officer, ward). Per-column statistics made
the planner expect ~90,000 groups where a city has hundreds, so it sorted the backlog (spilling to disk) instead
of hashing it. Extended ndistinct statistics give it the real count (filled by ANALYZE / autovacuum). SQLite's
planner has no such statistics: nothing to do there.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 18:00:00
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS st_complaints_mis_cube (ndistinct)"
            " ON town_id, department_id, category_id, channel, assignee, ward FROM complaints"
        )
        op.execute("ANALYZE complaints")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_complaints_mis_cube")
