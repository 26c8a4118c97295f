"""Tables of the NOC: ingested reports and readings, health state intervals, outages, maintenance, leases.

The hot ingest tables keep times as float epoch seconds (`ts`): cheap to insert and to bucket on both backends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime, utcnow


class IngestReport(Base):
    """One accepted report; the primary key makes ingest idempotent on (site, report_id): a report id is the
    agent's own, so one site can never block another's."""

    __tablename__ = "ingest_reports"
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    device_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(12))
    seq: Mapped[int] = mapped_column(Integer)
    made_ts: Mapped[float] = mapped_column(Float)  # corrected for clock skew
    received_ts: Mapped[float] = mapped_column(Float)


class Series(Base):
    """One series per device, metric and label set: the labels are stored here once, and the series' newest
    value with them (updated once per series per batch, never by an older reading)."""

    __tablename__ = "series"
    __table_args__ = (
        UniqueConstraint("device_id", "metric", "labels", name="uq_series_key"),
        Index("ix_series_metric", "metric"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(100))
    labels: Mapped[str] = mapped_column(String(400), default="")  # canonical k=v,k=v ('' when none)
    value: Mapped[float] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[float] = mapped_column(Float)


class Point(Base):
    """The appended history, narrow: a series id, a time, a value (kept settings.raw_retention_days). The key is
    the series' time order, so a range read is one index walk; on SQLite the rows live in that key (WITHOUT ROWID).
    No foreign key: it would cost a lookup per inserted row, and series rows are never deleted."""

    __tablename__ = "points"
    __table_args__ = {"sqlite_with_rowid": False}
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[float] = mapped_column(Float, primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class Rollup(Base):
    """5-minute (300) and hourly (3600) aggregates of the points, per series."""

    __tablename__ = "rollups"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bucket: Mapped[float] = mapped_column(Float, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    vmin: Mapped[float] = mapped_column(Float)
    vmax: Mapped[float] = mapped_column(Float)
    vavg: Mapped[float] = mapped_column(Float)


class DeviceObservation(Base):
    """The newest collector status of each device (what the health evaluator reads)."""

    __tablename__ = "device_observations"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(String(500))
    ts: Mapped[float] = mapped_column(Float)  # collected_at, corrected
    received_ts: Mapped[float] = mapped_column(Float)


class AgentStatus(Base):
    """Each site agent's last contact and self-reported health."""

    __tablename__ = "agent_status"
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_heard_ts: Mapped[float] = mapped_column(Float)
    clock_skew_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[str | None] = mapped_column(String(40))
    outbox_depth: Mapped[int] = mapped_column(Integer, default=0)
    dropped_total: Mapped[int] = mapped_column(Integer, default=0)
    host_booted_ts: Mapped[float | None] = mapped_column(Float)
    prev_host_booted_ts: Mapped[float | None] = mapped_column(Float)


class StateInterval(Base):
    """A device, site or channel held one state from started_at to ended_at (None: still now)."""

    __tablename__ = "state_intervals"
    __table_args__ = (
        Index("ix_state_intervals_subject", "scope", "subject_id", "started_at"),
        Index("ix_state_intervals_open", "ended_at", "scope"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(300), default="")
    root_cause: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutageRow(Base):
    __tablename__ = "outages"
    __table_args__ = (Index("ix_outages_open", "ended_at"), Index("ix_outages_started", "started_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str | None] = mapped_column(String(64))
    town_id: Mapped[str | None] = mapped_column(String(64))
    root_cause_device: Mapped[str | None] = mapped_column(String(64))
    cause: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recovered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # inside the hold-down
    channels: Mapped[list] = mapped_column(JsonType, default=list)
    affected: Mapped[list] = mapped_column(JsonType, default=list)
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(300), default="")


class MaintenanceWindow(Base):
    __tablename__ = "maintenance_windows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(10))  # device | site | channel
    subject_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class JobFault(Base):
    """A background job or health listener failing run after run, as the leader saw it (every process's /healthz
    reads it: with several workers any one of them may answer)."""

    __tablename__ = "job_faults"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # "health_sweep", "health listener tickets"
    failures: Mapped[int] = mapped_column(Integer)  # runs in a row
    error: Mapped[str] = mapped_column(String(300))  # the last one
    since_ts: Mapped[float] = mapped_column(Float)
    updated_ts: Mapped[float] = mapped_column(Float)


class LeaderLease(Base):
    """A lease row: whoever holds an unexpired lease runs the background jobs."""

    __tablename__ = "leader_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_ts: Mapped[float] = mapped_column(Float)
    acquired_ts: Mapped[float] = mapped_column(Float)
