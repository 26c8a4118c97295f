"""Tables of the complaint core, on their own metadata (same naming convention as the server's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from complaint_core.adapters.sqltypes import NAMING, JsonType, UtcDateTime


class CoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TrackingCounter(CoreBase):
    """The last tracking sequence handed out per city and year; bumped in the registering transaction."""

    __tablename__ = "tracking_counters"
    city: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ComplaintRow(CoreBase):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_town_queue", "town_id", "kind", "due_at"),
        Index("ix_complaints_department_queue", "department_id", "kind", "due_at"),
        Index("ix_complaints_assignee_queue", "assignee", "kind", "due_at"),
        Index("ix_complaints_kind_due", "kind", "due_at"),
        Index("ix_complaints_phone_category", "phone", "category_id", "registered_at"),
        Index("ix_complaints_category_registered", "category_id", "registered_at"),
        Index("ix_complaints_registered_at", "registered_at"),
        Index("ix_complaints_resolved_at", "resolved_at"),  # MIS: resolved in a period
        # MIS: the open backlog by town, department, category, channel and officer, read from the index alone.
        Index(
            "ix_complaints_backlog",
            "kind",
            "registered_at",
            "due_at",
            "town_id",
            "department_id",
            "category_id",
            "channel",
            "assignee",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_number: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(8))  # status kind, kept beside it for the queue indexes
    priority: Mapped[str] = mapped_column(String(10))
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    cnic: Mapped[str | None] = mapped_column(String(15), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    town_id: Mapped[str | None] = mapped_column(String(64))
    ward: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    category_id: Mapped[str] = mapped_column(String(64))
    parent_category_id: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(64))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    sla_warned: Mapped[bool] = mapped_column(Boolean, default=False)
    qc_required: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_of: Mapped[str | None] = mapped_column(String(24))
    channel_data: Mapped[dict] = mapped_column(JsonType, default=dict)
    promised_seconds: Mapped[float] = mapped_column(Float)
    pauses: Mapped[list] = mapped_column(JsonType, default=list)  # [[start iso, end iso | null], ...]
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # a stale UPDATE raises instead of overwriting


class ComplaintEvent(CoreBase):
    """Append-only history: no code path updates or deletes it, and the database refuses it too."""

    __tablename__ = "complaint_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JsonType, default=dict)


@event.listens_for(ComplaintEvent, "before_update")
@event.listens_for(ComplaintEvent, "before_delete")
def _append_only(mapper, connection, target) -> None:  # noqa: ANN001
    raise ValueError("complaint history is append-only")


class Attachment(CoreBase):
    __tablename__ = "complaint_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # intake | resolution
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))  # relative to the attachments directory
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Feedback(CoreBase):
    __tablename__ = "complaint_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(10))  # link | web | qc
    appeal: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Notification(CoreBase):
    """Outbox: a message is stored with the change that caused it, then delivered (and retried) by a job."""

    __tablename__ = "complaint_notifications"
    __table_args__ = (Index("ix_complaint_notifications_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    medium: Mapped[str] = mapped_column(String(8))  # sms | email
    to: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(30))  # registered | resolved | escalation_1 | subscription ...
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class NotificationAttempt(CoreBase):
    __tablename__ = "complaint_notification_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("complaint_notifications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text)


class Subscription(CoreBase):
    """Someone wants to hear of new and/or resolved complaints in a town, ward or category (Pune's ward notices)."""

    __tablename__ = "complaint_subscriptions"
    __table_args__ = (UniqueConstraint("medium", "address", "event", "town_id", "ward", "category_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    medium: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(10))  # new | resolved
    town_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ward: Mapped[str | None] = mapped_column(String(100))
    category_id: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(64))  # staff username or "citizen"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
