"""registration keys: a resent registration is answered once

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 12:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import noc_api.db.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "registration_keys",
        sa.Column("sender", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("tracking_number", sa.String(32), nullable=False),
        sa.Column("answer", JSON, nullable=False),
        sa.Column("at", noc_api.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender", "key", name=op.f("pk_registration_keys")),
    )


def downgrade() -> None:
    op.drop_table("registration_keys")
