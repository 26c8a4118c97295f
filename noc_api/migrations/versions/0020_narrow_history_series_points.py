"""Narrow reading history: a series table (device, metric, labels once, and the series' newest value) and points
(series id, time, value); rollups keyed by series id. The old wide tables' rows are copied, then the tables dropped.

Every key of readings_raw and readings_rollup has its readings_latest row (ingest wrote both in one transaction
and nothing deleted latest rows), so the series come from readings_latest; a point or bucket of a key without one
could not be named and is not copied. Two raw readings of one series at the same instant become one point.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

SAME_KEY = "s.device_id = o.device_id AND s.metric = o.metric AND s.labels = o.labels"


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("labels", sa.String(length=400), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("device_id", "metric", "labels", name="uq_series_key"),
    )
    op.create_index("ix_series_metric", "series", ["metric"])
    if op.get_bind().dialect.name == "postgresql":
        # Room on each page: the once-a-batch update of a series' latest value then stays on its page (a HOT
        # update: no index entry written, the dead version pruned in place) instead of growing every index.
        op.execute("ALTER TABLE series SET (fillfactor = 50)")
    op.create_table(
        "points",
        sa.Column("series_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("series_id", "ts", name=op.f("pk_points")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollups",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bucket", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("vmin", sa.Float(), nullable=False),
        sa.Column("vmax", sa.Float(), nullable=False),
        sa.Column("vavg", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("period", "series_id", "bucket", name=op.f("pk_rollups")),
    )
    op.execute(
        "INSERT INTO series (device_id, site_id, metric, labels, value, text, ts)"
        " SELECT device_id, site_id, metric, labels, value, text, ts FROM readings_latest"
        " ORDER BY device_id, metric, labels"
    )
    # WHERE true: SQLite needs it to read ON CONFLICT after a SELECT's join.
    op.execute(
        "INSERT INTO points (series_id, ts, value) SELECT s.id, o.ts, o.value FROM readings_raw o"
        f" JOIN series s ON {SAME_KEY} WHERE true ON CONFLICT DO NOTHING"
    )
    op.execute(
        "INSERT INTO rollups (period, series_id, bucket, count, vmin, vmax, vavg)"
        f" SELECT o.period, s.id, o.bucket, o.count, o.vmin, o.vmax, o.vavg FROM readings_rollup o JOIN series s ON {SAME_KEY}"
    )
    op.drop_table("readings_rollup")
    op.drop_index("ix_readings_raw_series", table_name="readings_raw")
    op.drop_table("readings_raw")
    op.drop_index("ix_readings_latest_metric", table_name="readings_latest")
    op.drop_table("readings_latest")


def downgrade() -> None:
    op.create_table(
        "readings_latest",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("labels", sa.String(length=400), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "metric", "labels", name=op.f("pk_readings_latest")),
    )
    op.create_index("ix_readings_latest_metric", "readings_latest", ["metric"])
    op.create_table(
        "readings_raw",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("labels", sa.String(length=400), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings_raw")),
    )
    op.create_index("ix_readings_raw_series", "readings_raw", ["device_id", "metric", "ts"])
    op.create_table(
        "readings_rollup",
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("labels", sa.String(length=400), nullable=False),
        sa.Column("bucket", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("vmin", sa.Float(), nullable=False),
        sa.Column("vmax", sa.Float(), nullable=False),
        sa.Column("vavg", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("period", "device_id", "metric", "labels", "bucket", name=op.f("pk_readings_rollup")),
    )
    op.execute(
        "INSERT INTO readings_latest (device_id, metric, labels, site_id, value, text, ts)"
        " SELECT device_id, metric, labels, site_id, value, text, ts FROM series"
    )
    op.execute(
        "INSERT INTO readings_raw (device_id, metric, labels, value, ts)"
        " SELECT s.device_id, s.metric, s.labels, p.value, p.ts FROM points p JOIN series s ON s.id = p.series_id"
        " ORDER BY p.ts"
    )
    op.execute(
        "INSERT INTO readings_rollup (period, device_id, metric, labels, bucket, count, vmin, vmax, vavg)"
        " SELECT r.period, s.device_id, s.metric, s.labels, r.bucket, r.count, r.vmin, r.vmax, r.vavg"
        " FROM rollups r JOIN series s ON s.id = r.series_id"
    )
    op.drop_table("rollups")
    op.drop_table("points")
    op.drop_index("ix_series_metric", table_name="series")
    op.drop_table("series")
