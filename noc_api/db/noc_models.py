"""Tables of the NOC: ingested reports and readings, health state intervals, outages, maintenance, leases.

The hot ingest tables keep times as float epoch seconds (`ts`): cheap to insert and to bucket on both backends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime, utcnow


class IngestReport(Base):
    """One accepted report; the primary key makes ingest idempotent on report_id."""

    __tablename__ = "ingest_reports"
    report_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))
    device_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(12))
    seq: Mapped[int] = mapped_column(Integer)
    made_ts: Mapped[float] = mapped_column(Float)  # corrected for clock skew
    received_ts: Mapped[float] = mapped_column(Float)


class ReadingRaw(Base):
    """Appended history of every reading (kept settings.raw_retention_days)."""

    __tablename__ = "readings_raw"
    __table_args__ = (Index("ix_readings_raw_series", "device_id", "metric", "ts"),)
    # 64-bit on PostgreSQL (tens of thousands of rows a second); SQLite's rowid is 64-bit already.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(100))
    labels: Mapped[str] = mapped_column(String(400), default="")  # canonical k=v,k=v ('' when none)
    value: Mapped[float] = mapped_column(Float)
    ts: Mapped[float] = mapped_column(Float)


class ReadingLatest(Base):
    """The newest value per device, metric and labels, for fast reads."""

    __tablename__ = "readings_latest"
    __table_args__ = (Index("ix_readings_latest_metric", "metric"),)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(100), primary_key=True)
    labels: Mapped[str] = mapped_column(String(400), primary_key=True, default="")
    site_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[float] = mapped_column(Float)


class ReadingRollup(Base):
    """5-minute (300) and hourly (3600) aggregates of the raw history."""

    __tablename__ = "readings_rollup"
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(100), primary_key=True)
    labels: Mapped[str] = mapped_column(String(400), primary_key=True, default="")
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


class LeaderLease(Base):
    """A lease row: whoever holds an unexpired lease runs the background jobs."""

    __tablename__ = "leader_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_ts: Mapped[float] = mapped_column(Float)
    acquired_ts: Mapped[float] = mapped_column(Float)
