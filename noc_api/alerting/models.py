"""Tables of alerting: alerts and their append-only history, silences, groups (dispatch and escalation state).
The notices themselves go to the server's one outbox (``complaint_core.services.notify.enqueue``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(40), index=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | firing | resolved
    labels: Mapped[dict] = mapped_column(JsonType)
    annotations: Mapped[dict] = mapped_column(JsonType, default=dict)
    subject: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str | None] = mapped_column(String(64), index=True)
    town_id: Mapped[str | None] = mapped_column(String(64), index=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    group_key: Mapped[str] = mapped_column(String(200), index=True)
    muted_by: Mapped[str | None] = mapped_column(String(100))
    folded_into: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    flaps: Mapped[int] = mapped_column(Integer, default=0)
    active_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_true_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    clearing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_by: Mapped[str | None] = mapped_column(String(64))


class AlertHistory(Base):
    """Append-only: pending, firing, folded, muted, notified, acknowledged, escalated, resolved..."""

    __tablename__ = "alert_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64), default="system")
    detail: Mapped[str] = mapped_column(Text, default="")


class SilenceRow(Base):
    __tablename__ = "silences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matchers: Mapped[list] = mapped_column(JsonType)  # [{"name","op","value"}]
    author: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertGroup(Base):
    """Dispatch and escalation state of one group (per outage or per site) while it is open."""

    __tablename__ = "alert_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    notified_fps: Mapped[list] = mapped_column(JsonType, default=list)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notified_rank: Mapped[int] = mapped_column(Integer, default=0)
    first_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    told: Mapped[list] = mapped_column(JsonType, default=list)  # receivers told so far (all hear the recovery)
