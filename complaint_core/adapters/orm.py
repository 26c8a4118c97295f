"""Tables of the complaint core, on their own metadata (same naming convention as the server's)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from complaint_core.adapters.sqltypes import NAMING, JsonType, UtcDateTime


class CoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model here maps one Table (never a join or a select), so say so to the type checker.
    __table__: ClassVar[Table]


class TrackingCounter(CoreBase):
    """The last tracking sequence handed out per city and year; bumped in the registering transaction."""

    __tablename__ = "tracking_counters"
    city: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


_MIS_KEYS = ("town_id", "department_id", "category_id", "channel", "assignee", "ward")
_REJECTED = text("status = 'rejected'")
_REOPENED = text("reopen_count > 0")


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
        # MIS: resolved in a period, and resolved after a period's end (pending at it), read from the index alone.
        Index("ix_complaints_resolved_at", "resolved_at", "registered_at", "due_at", *_MIS_KEYS),
        # MIS: the open backlog by town, department, category, channel, officer and ward, from the index alone.
        Index("ix_complaints_backlog", "kind", "registered_at", "due_at", *_MIS_KEYS),
        # MIS: the few rejected (by when) and reopened complaints, without reading every row.
        Index("ix_complaints_rejected", "closed_at", sqlite_where=_REJECTED, postgresql_where=_REJECTED),
        Index("ix_complaints_reopened", "registered_at", sqlite_where=_REOPENED, postgresql_where=_REOPENED),
        # MIS: the few that moved (officer, place, category, due date) after a period's end, read from the history.
        Index("ix_complaints_moved", "moved_at", "registered_at"),
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
    # The site that registered it (a counter sees and prints what it registered, whatever the town).
    site_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Every 1339 call is recorded: the recording's reference, searchable and printed on the slip.
    call_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # When its officer, town, department, category, ward or due date last changed (the event that changed them
    # says what they were): a period that ended before then reads them from the history, any other from the row.
    moved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
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
    # The QC desk works ratings and appeals as a queue: handled once, by whom, with what answer.
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_note: Mapped[str | None] = mapped_column(Text)


class QcCall(CoreBase):
    """One QC call to a citizen: a verification of a resolution or a call-back on a live complaint, as data."""

    __tablename__ = "complaint_qc_calls"
    __table_args__ = (Index("ix_complaint_qc_calls_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    officer: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(12))  # verification | callback
    reached: Mapped[bool] = mapped_column(Boolean)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    words: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(12))  # verified | failed | unreachable | callback
    status_at_call: Mapped[str] = mapped_column(String(24))


# Where a message comes from; the delivery job, the retry policy and /metrics tell them apart by it.
SOURCES = ("alert", "complaint", "intake", "notice")  # intake: replies on the chat lines; notice: area notices


class Notification(CoreBase):
    """The server's one outbox: every message (alert notices, complaint SMS and mail) is stored with the change
    that caused it, then delivered, retried and recorded by one job.

    It lives in the complaint core so the core can enqueue without importing the server; the server's alerting
    writes here too (``source`` "alert", with its group, receiver and alerts).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_source", "source", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(12))  # one of SOURCES
    medium: Mapped[str] = mapped_column(String(10))  # email | sms | webhook | whatsapp | chatbot
    to: Mapped[str] = mapped_column(String(300))  # address, phone number or URL
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JsonType)  # a webhook's JSON body
    reason: Mapped[str] = mapped_column(String(30))  # registered | resolved | escalation_1 | firing | repeat ...
    receiver: Mapped[str | None] = mapped_column(String(64))  # alerts: the routing receiver
    alert_group_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the server's own table
    alert_ids: Mapped[list | None] = mapped_column(JsonType)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)  # also the claim: a sender pushes it past now
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class NotificationAttempt(CoreBase):
    """Every delivery attempt of a message, with what the peer said."""

    __tablename__ = "notification_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)


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
