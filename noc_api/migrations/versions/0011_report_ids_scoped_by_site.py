"""report ids scoped by site

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:20:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A report id is the agent's own: one site reusing another's id must not be taken for a duplicate.
    with op.batch_alter_table("ingest_reports", recreate="always") as batch:
        batch.drop_constraint("pk_ingest_reports", type_="primary")
        batch.create_primary_key("pk_ingest_reports", ["site_id", "report_id"])


def downgrade() -> None:
    with op.batch_alter_table("ingest_reports", recreate="always") as batch:
        batch.drop_constraint("pk_ingest_reports", type_="primary")
        batch.create_primary_key("pk_ingest_reports", ["report_id"])
