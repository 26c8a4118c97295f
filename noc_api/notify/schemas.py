"""What the notification log answers: one outbox message with every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AttemptOut(BaseModel):
    at: datetime
    ok: bool
    detail: str


class NotificationOut(BaseModel):
    """One message of the outbox with every delivery attempt."""

    id: int
    source: str  # alert | complaint | intake
    reason: str
    receiver: str | None  # alerts: the routing receiver
    channel: str  # the medium: email | sms | webhook | whatsapp | chatbot
    target: str  # address, phone number or URL
    subject: str | None
    status: str  # pending | sent | failed
    attempts: list[AttemptOut]
    created_at: datetime
    sent_at: datetime | None
    alert_ids: list[int]
    complaint_id: int | None
