"""Delivering the notification outbox: SMS through an HTTP gateway, email over SMTP; retried with backoff.

A slow or dead gateway delays a message, never a registration: messages wait in the outbox, every attempt is
recorded, and after MAX_ATTEMPTS the message is marked failed (kept, visible, re-sendable).
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import httpx
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import Notification, NotificationAttempt
from noc_api.settings import Settings

MAX_ATTEMPTS = 8
BASE_DELAY_S = 30.0
MAX_DELAY_S = 3600.0


class DeliveryError(Exception):
    """The gateway or mail server refused or could not be reached."""


@dataclass(frozen=True)
class DeliveryRun:
    sent: int
    retried: int
    failed: int


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(BASE_DELAY_S * 2 ** max(0, attempts - 1), MAX_DELAY_S))


def render_sms(template: str, to: str, text: str) -> tuple[str, str]:
    """The gateway request body and content type, from the sandboxed template (gateways differ)."""
    is_json = template.lstrip().startswith("{")
    env = ImmutableSandboxedEnvironment(autoescape=False)
    # For a JSON body the values are JSON-escaped, so a quote in a complaint never breaks the request.
    esc = (lambda v: json.dumps(v)[1:-1]) if is_json else (lambda v: v)
    body = env.from_string(template).render(to=esc(to), text=esc(text))
    return body, "application/json" if is_json else "application/x-www-form-urlencoded"


def send_sms(settings: Settings, to: str, text: str, client: httpx.Client) -> str:
    if not settings.sms_gateway_url:
        raise DeliveryError("no SMS gateway configured (CCIS_SMS_GATEWAY_URL)")
    body, ctype = render_sms(settings.sms_gateway_template, to, text)
    try:
        r = client.post(settings.sms_gateway_url, content=body.encode(), headers={"content-type": ctype})
    except httpx.HTTPError as exc:
        raise DeliveryError(f"SMS gateway unreachable: {exc.__class__.__name__}: {exc}") from exc
    if r.status_code >= 300:
        raise DeliveryError(f"SMS gateway answered {r.status_code}: {r.text[:200]}")
    return f"gateway {r.status_code}"


def send_email(settings: Settings, to: str, subject: str, text: str) -> str:
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured (CCIS_SMTP_HOST)")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.smtp_from, to, subject
    msg.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc
    return "smtp accepted"


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
    with httpx.Client(timeout=5.0) as client:
        for note in session.execute(stmt).scalars().all():
            note.attempts += 1
            try:
                if note.medium == "sms":
                    detail = send_sms(settings, note.to, note.body, client)
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
