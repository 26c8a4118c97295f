"""one notification outbox for alerts and complaints

The alert table ``notifications`` becomes the outbox of every message (a ``source`` column: alert, complaint or
intake for the replies on the intake lines; neutral names:
channel -> medium, target -> to, group_id -> alert_group_id; the complaint's complaint_id and last_error), and
``notification_attempts`` the attempts of all of them. The rows of ``complaint_notifications`` and their attempts
move in (ids shifted past the alert ones), and the two complaint tables go. Downgrade moves them back.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import noc_api.db.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = noc_api.db.base.UtcDateTime(timezone=True)
COMPLAINT_COLUMNS = (
    'medium, "to", subject, body, reason, complaint_id, status, attempts, next_attempt_at, created_at, sent_at, '
    "last_error"
)
# Replies on the intake lines were complaint messages with their own reason; in the one outbox they have a source.
INTAKE_OR_COMPLAINT = "CASE WHEN reason = 'intake_reply' THEN 'intake' ELSE 'complaint' END"


def _keep_attempts(bind: sa.Connection) -> None:
    """SQLite rebuilds a table to alter it: its DROP would cascade to the attempts while foreign keys are on
    (and PRAGMA foreign_keys cannot change inside the migration's transaction), so keep a copy to put back."""
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("CREATE TEMP TABLE kept_attempts AS SELECT * FROM notification_attempts")


def _restore_attempts(bind: sa.Connection) -> None:
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(
            "INSERT INTO notification_attempts (id, notification_id, at, ok, detail) "
            "SELECT id, notification_id, at, ok, detail FROM kept_attempts "
            "WHERE id NOT IN (SELECT id FROM notification_attempts) "
            "AND notification_id IN (SELECT id FROM notifications)"
        )
        bind.exec_driver_sql("DROP TABLE kept_attempts")


def _reset_sequence(bind: sa.Connection, table: str) -> None:
    """After rows were inserted with their ids, PostgreSQL's sequence must continue past them."""
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 1), (SELECT max(id) FROM {table}) IS NOT NULL)"
        )


def upgrade() -> None:
    bind = op.get_bind()
    _keep_attempts(bind)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_group_id")
        batch_op.drop_index("ix_notifications_status")
        batch_op.drop_index("ix_notifications_next_attempt_at")
        batch_op.drop_constraint("fk_notifications_group_id_alert_groups", type_="foreignkey")
        batch_op.add_column(sa.Column("source", sa.String(length=12), nullable=False, server_default="alert"))
        batch_op.alter_column("channel", new_column_name="medium", existing_type=sa.String(10), nullable=False)
        batch_op.alter_column("target", new_column_name="to", existing_type=sa.String(300), nullable=False)
        batch_op.alter_column("group_id", new_column_name="alert_group_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("reason", existing_type=sa.String(16), type_=sa.String(30), nullable=False)
        batch_op.alter_column("receiver", existing_type=sa.String(64), nullable=True)
        batch_op.alter_column("subject", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("payload", existing_type=JSON, nullable=True)
        batch_op.alter_column("alert_ids", existing_type=JSON, nullable=True)
        batch_op.add_column(sa.Column("complaint_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:  # renamed columns are indexed in a 2nd
        batch_op.alter_column("source", existing_type=sa.String(12), server_default=None)
        batch_op.create_foreign_key(
            op.f("fk_notifications_complaint_id_complaints"), "complaints", ["complaint_id"], ["id"]
        )
        batch_op.create_index(op.f("ix_notifications_alert_group_id"), ["alert_group_id"], unique=False)
        batch_op.create_index(op.f("ix_notifications_complaint_id"), ["complaint_id"], unique=False)
        batch_op.create_index("ix_notifications_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notifications_source", ["source", "id"], unique=False)
    _restore_attempts(bind)

    offset = bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM notifications")).scalar_one()
    bind.execute(
        sa.text(
            f"INSERT INTO notifications (id, source, {COMPLAINT_COLUMNS}) "
            f"SELECT id + :offset, {INTAKE_OR_COMPLAINT}, {COMPLAINT_COLUMNS} FROM complaint_notifications ORDER BY id"
        ),
        {"offset": offset},
    )
    bind.execute(
        sa.text(
            "INSERT INTO notification_attempts (notification_id, at, ok, detail) "
            "SELECT notification_id + :offset, at, ok, coalesce(detail, '') FROM complaint_notification_attempts "
            "ORDER BY id"
        ),
        {"offset": offset},
    )
    _reset_sequence(bind, "notifications")
    op.drop_table("complaint_notification_attempts")
    op.drop_table("complaint_notifications")


def downgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "complaint_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("medium", sa.String(length=8), nullable=False),
        sa.Column("to", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_notifications_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_notifications")),
    )
    with op.batch_alter_table("complaint_notifications", schema=None) as batch_op:
        batch_op.create_index(op.f("ix_complaint_notifications_complaint_id"), ["complaint_id"], unique=False)
        batch_op.create_index("ix_complaint_notifications_due", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "complaint_notification_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["complaint_notifications.id"],
            name=op.f("fk_complaint_notification_attempts_notification_id_complaint_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_notification_attempts")),
    )
    with op.batch_alter_table("complaint_notification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            op.f("ix_complaint_notification_attempts_notification_id"), ["notification_id"], unique=False
        )

    columns = COMPLAINT_COLUMNS.replace("subject", "substr(subject, 1, 300)")
    bind.execute(
        sa.text(
            f"INSERT INTO complaint_notifications (id, {COMPLAINT_COLUMNS}) "
            f"SELECT id, {columns} FROM notifications WHERE source IN ('complaint', 'intake') ORDER BY id"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO complaint_notification_attempts (notification_id, at, ok, detail) "
            "SELECT a.notification_id, a.at, a.ok, a.detail FROM notification_attempts a "
            "JOIN notifications n ON n.id = a.notification_id WHERE n.source IN ('complaint', 'intake') ORDER BY a.id"
        )
    )
    _reset_sequence(bind, "complaint_notifications")
    _reset_sequence(bind, "complaint_notification_attempts")
    # Messages of other sources than alerts, complaints and intake replies had no table before this revision: they go.
    bind.execute(
        sa.text(
            "DELETE FROM notification_attempts WHERE notification_id IN "
            "(SELECT id FROM notifications WHERE source <> 'alert')"
        )
    )
    bind.execute(sa.text("DELETE FROM notifications WHERE source <> 'alert'"))

    _keep_attempts(bind)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_source")
        batch_op.drop_index("ix_notifications_due")
        batch_op.drop_index(op.f("ix_notifications_complaint_id"))
        batch_op.drop_index(op.f("ix_notifications_alert_group_id"))
        batch_op.drop_constraint(op.f("fk_notifications_complaint_id_complaints"), type_="foreignkey")
        batch_op.drop_column("last_error")
        batch_op.drop_column("complaint_id")
        batch_op.drop_column("source")
        batch_op.alter_column("alert_ids", existing_type=JSON, nullable=False)
        batch_op.alter_column("payload", existing_type=JSON, nullable=False)
        batch_op.alter_column("subject", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("receiver", existing_type=sa.String(64), nullable=False)
        batch_op.alter_column("reason", existing_type=sa.String(30), type_=sa.String(16), nullable=False)
        batch_op.alter_column("alert_group_id", new_column_name="group_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("to", new_column_name="target", existing_type=sa.String(300), nullable=False)
        batch_op.alter_column("medium", new_column_name="channel", existing_type=sa.String(10), nullable=False)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_notifications_group_id_alert_groups"), "alert_groups", ["group_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(op.f("ix_notifications_group_id"), ["group_id"], unique=False)
        batch_op.create_index(op.f("ix_notifications_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(op.f("ix_notifications_status"), ["status"], unique=False)
    _restore_attempts(bind)
