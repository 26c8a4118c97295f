"""The server's one outbox, as values: claiming a due message, recording an attempt, reading the log.

The table lives in the complaint core because the core enqueues in the transaction of the change that caused a
message (``services.notify.enqueue``) and keeps an FK to the complaint; the server's delivery job, log, metrics
and alert notices read and write it only through these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import SOURCES, Notification, NotificationAttempt

__all__ = [
    "SOURCES",
    "OutboxMessage",
    "SentMessage",
    "claim",
    "count",
    "log",
    "pending_counts",
    "record",
    "sent_for_groups",
]


@dataclass(frozen=True)
class OutboxMessage:
    """What a sender needs of one claimed message (the server's notifiers take it as it is)."""

    id: int
    source: str
    medium: str
    to: str
    subject: str | None
    body: str
    payload: dict[str, Any] | None = None
    reason: str = ""  # why it was sent (firing, resolved, registered ...): the retry policy may look at it


@dataclass(frozen=True)
class SentMessage:
    """One message as the NOC's outage page lists it."""

    id: int
    created_at: datetime
    reason: str
    receiver: str | None
    to: str
    medium: str
    status: str


def claim(session: Session, now: datetime, lease: float) -> OutboxMessage | None:
    """Take the oldest due message for this sender (hidden from others for ``lease`` seconds), or None."""
    for _ in range(5):  # on SQLite another sender may win the row between our read and our write: take the next
        q = (
            select(Notification)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        row = session.scalars(q).first()
        if row is None:
            return None
        won = session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.status == "pending", Notification.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(seconds=lease))
            .execution_options(synchronize_session=False)
        )
        if isinstance(won, CursorResult) and won.rowcount == 1:
            return OutboxMessage(row.id, row.source, row.medium, row.to, row.subject, row.body, row.payload, row.reason)
        session.expunge(row)
    return None


def record(
    session: Session,
    message_id: int,
    ok: bool,
    detail: str,
    now: datetime,
    next_delay: Callable[[int], float | None],
) -> str:
    """Write one attempt and its consequence; returns the outcome: sent, retry or failed.

    ``next_delay(attempts)``: seconds until the next try after that many failed attempts, None to give up."""
    session.add(NotificationAttempt(notification_id=message_id, at=now, ok=ok, detail=detail[:2000]))
    row = session.get(Notification, message_id)
    if row is None:
        return "failed"
    row.attempts += 1
    if row.status != "pending":  # sent by another sender after our lease ran out: the attempt is still recorded
        return "sent" if ok else "retry"
    if ok:
        row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, None, now
        return "sent"
    row.last_error = detail
    delay = next_delay(row.attempts)
    if delay is None:
        row.status = "failed"
        return "failed"
    row.next_attempt_at = now + timedelta(seconds=delay)
    return "retry"


def log(session: Session, *, source: str, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Messages of ``source``, newest first, filtered by status, each with its attempts in order."""
    q = select(Notification).where(Notification.source == source).order_by(Notification.id.desc()).limit(limit)
    if status:
        q = q.where(Notification.status == status)
    rows = list(session.scalars(q))
    attempts: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for a in session.scalars(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id.in_([r.id for r in rows]))
            .order_by(NotificationAttempt.id)
        ):
            attempts.setdefault(a.notification_id, []).append({"at": a.at, "ok": a.ok, "detail": a.detail})
    return [
        {
            "id": r.id,
            "source": r.source,
            "reason": r.reason,
            "receiver": r.receiver,
            "channel": r.medium,
            "target": r.to,
            "subject": r.subject,
            "status": r.status,
            "attempts": attempts.get(r.id, []),
            "created_at": r.created_at,
            "sent_at": r.sent_at,
            "alert_ids": r.alert_ids or [],
            "complaint_id": r.complaint_id,
        }
        for r in rows
    ]


def count(session: Session, *, source: str) -> int:
    """How many messages of ``source`` the outbox holds, whatever their state."""
    q = select(func.count()).select_from(Notification).where(Notification.source == source)
    return session.execute(q).scalar_one()


def pending_counts(session: Session) -> dict[tuple[str, str], int]:
    """(source, medium) -> messages waiting for delivery or a retry."""
    q = (
        select(Notification.source, Notification.medium, func.count())
        .where(Notification.status == "pending")
        .group_by(Notification.source, Notification.medium)
    )
    return {(s, m): n for s, m, n in session.execute(q)}


def sent_for_groups(session: Session, group_ids: Iterable[int]) -> list[SentMessage]:
    """The alert notices queued for these alert groups, oldest first."""
    ids = list(group_ids)
    if not ids:
        return []
    q = select(Notification).where(Notification.alert_group_id.in_(ids)).order_by(Notification.id)
    return [SentMessage(m.id, m.created_at, m.reason, m.receiver, m.to, m.medium, m.status) for m in session.scalars(q)]
