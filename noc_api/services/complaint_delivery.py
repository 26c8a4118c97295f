"""Delivering the notification outbox: SMS through an HTTP gateway, email over SMTP; retried with backoff.

A slow or dead gateway delays a message, never a registration: messages wait in the outbox, every attempt is
recorded, and after MAX_ATTEMPTS the message is marked failed (kept, visible, re-sendable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import Notification, NotificationAttempt
from noc_api.alerting.transports import DeliveryError, send_email, send_sms
from noc_api.settings import Settings

MAX_ATTEMPTS = 8
BASE_DELAY_S = 30.0
MAX_DELAY_S = 3600.0


@dataclass(frozen=True)
class DeliveryRun:
    sent: int
    retried: int
    failed: int


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(BASE_DELAY_S * 2 ** max(0, attempts - 1), MAX_DELAY_S))


def deliver_due(session: Session, settings: Settings, now: datetime, limit: int = 100) -> DeliveryRun:
    """Scheduler job: try every pending message whose time has come; the caller commits."""
    stmt = (
        select(Notification)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two NOC processes never send the same message twice
    sent = retried = failed = 0
    for note in session.execute(stmt).scalars().all():
        note.attempts += 1
        try:
            if note.medium == "sms":
                detail = send_sms(settings, note.to, note.body)
            else:
                detail = send_email(settings, note.to, note.subject or "CCIS", note.body)
        except DeliveryError as exc:
            note.last_error = str(exc)
            session.add(NotificationAttempt(notification_id=note.id, at=now, ok=False, detail=str(exc)))
            if note.attempts >= MAX_ATTEMPTS:
                note.status, failed = "failed", failed + 1
            else:
                note.next_attempt_at, retried = now + backoff(note.attempts), retried + 1
            continue
        note.status, note.sent_at, note.last_error = "sent", now, None
        session.add(NotificationAttempt(notification_id=note.id, at=now, ok=True, detail=detail))
        sent += 1
    session.flush()
    return DeliveryRun(sent, retried, failed)
