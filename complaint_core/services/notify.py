"""Putting messages in the outbox (delivered later by the server's job): citizens, subscribers, escalation tiers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow, Notification, Subscription


def message(
    *,
    medium: str,
    to: str,
    body: str,
    reason: str,
    now: datetime,
    subject: str | None = None,
    complaint_id: int | None = None,
    source: str = "complaint",
    payload: dict[str, Any] | None = None,
    receiver: str | None = None,
    alert_group_id: int | None = None,
    alert_ids: list[int] | None = None,
) -> dict[str, Any]:
    """An outbox row's columns (every one, so a list of them is one multi-row insert)."""
    return {
        "source": source,
        "medium": medium,
        "to": to,
        "subject": subject,
        "body": body,
        "payload": payload,
        "reason": reason,
        "receiver": receiver,
        "alert_group_id": alert_group_id,
        "alert_ids": alert_ids,
        "complaint_id": complaint_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(
    session: Session,
    *,
    medium: str,
    to: str,
    body: str,
    reason: str,
    now: datetime,
    subject: str | None = None,
    complaint_id: int | None = None,
    source: str = "complaint",
    payload: dict[str, Any] | None = None,
    receiver: str | None = None,
    alert_group_id: int | None = None,
    alert_ids: list[int] | None = None,
) -> None:
    """Store a message in the server's one outbox; it is committed (or rolled back) with the change that caused
    it, and the server's delivery job sends it, retries it and records every attempt. An alert notice also
    names its routing ``receiver``, its group and its alerts."""
    fields = message(
        medium=medium,
        to=to,
        body=body,
        reason=reason,
        now=now,
        subject=subject,
        complaint_id=complaint_id,
        source=source,
        payload=payload,
        receiver=receiver,
        alert_group_id=alert_group_id,
        alert_ids=alert_ids,
    )
    session.add(Notification(**fields))


def citizen_messages(
    *, phone: str | None, email: str | None, tracking: str, complaint_id: int, reason: str, text: str, now: datetime
) -> list[dict[str, Any]]:
    """The SMS to the citizen (and the email when given) about their complaint."""
    out = []
    if phone:
        out.append(message(medium="sms", to=phone, body=text, reason=reason, now=now, complaint_id=complaint_id))
    if email:
        subject = f"Complaint {tracking}: {reason.replace('_', ' ')}"
        out.append(
            message(
                medium="email", to=email, subject=subject, body=text, reason=reason, now=now, complaint_id=complaint_id
            )
        )
    return out


def tell_citizen(session: Session, row: ComplaintRow, *, reason: str, text: str, now: datetime) -> None:
    """SMS the citizen (and email when given) about their complaint."""
    for m in citizen_messages(
        phone=row.phone,
        email=row.email,
        tracking=row.tracking_number,
        complaint_id=row.id,
        reason=reason,
        text=text,
        now=now,
    ):
        session.add(Notification(**m))


_S = Subscription
# A read of two columns, built once: run in Core on the session's connection (no autoflush, no ORM result
# machinery, no cache key computed per call).
SUBSCRIBERS = select(_S.medium, _S.address).where(
    _S.active.is_(True),
    _S.event == bindparam("event"),
    or_(_S.town_id.is_(None), _S.town_id == bindparam("town_id")),
    or_(_S.ward.is_(None), _S.ward == bindparam("ward")),
    or_(_S.category_id.is_(None), _S.category_id.in_(bindparam("category_ids", expanding=True))),
)


def subscribers(
    session: Session, *, event: str, town_id: str | None, ward: str | None, category_ids: list[str]
) -> list[tuple[str, str]]:
    """(medium, address) of everyone subscribed to ``event`` (new | resolved) for this town, ward or category."""
    params = {"event": event, "town_id": town_id, "ward": ward, "category_ids": category_ids}
    return [(m, a) for m, a in session.connection().execute(SUBSCRIBERS, params)]


def tell_subscribers(
    session: Session,
    row: ComplaintRow,
    *,
    event: str,
    text: str,
    now: datetime,
    found: list[tuple[str, str]] | None = None,
) -> int:
    """Notify everyone subscribed to ``event`` for this complaint (``found``: already looked up)."""
    if found is None:
        cats = [row.category_id, row.parent_category_id or row.category_id]
        found = subscribers(session, event=event, town_id=row.town_id, ward=row.ward, category_ids=cats)
    for m in subscriber_messages(
        found, event=event, tracking=row.tracking_number, complaint_id=row.id, text=text, now=now
    ):
        session.add(Notification(**m))
    return len(found)


def subscriber_messages(
    found: list[tuple[str, str]], *, event: str, tracking: str, complaint_id: int, text: str, now: datetime
) -> list[dict[str, Any]]:
    """What everyone in ``found`` (medium, address) is told of ``event`` for this complaint."""
    return [
        message(
            medium=medium,
            to=address,
            subject=f"{event} complaint {tracking}",
            body=text,
            reason=f"subscription_{event}",
            now=now,
            complaint_id=complaint_id,
        )
        for medium, address in found
    ]


def subscribe(
    session: Session,
    *,
    medium: str,
    address: str,
    event: str,
    owner: str,
    now: datetime,
    town_id: str | None = None,
    ward: str | None = None,
    category_id: str | None = None,
    active: bool = True,
) -> Subscription:
    """Add (or re-activate) a subscription; ``active=False``: kept until its owner confirms it (a confirmed one
    stays confirmed)."""
    existing = session.execute(
        select(Subscription).where(
            Subscription.medium == medium,
            Subscription.address == address,
            Subscription.event == event,
            Subscription.town_id.is_(None) if town_id is None else Subscription.town_id == town_id,
            Subscription.ward.is_(None) if ward is None else Subscription.ward == ward,
            Subscription.category_id.is_(None) if category_id is None else Subscription.category_id == category_id,
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.active = existing.active or active
        return existing
    sub = Subscription(
        medium=medium,
        address=address,
        event=event,
        town_id=town_id,
        ward=ward,
        category_id=category_id,
        owner=owner,
        active=active,
        created_at=now,
    )
    session.add(sub)
    session.flush()
    return sub


def confirm_subscription(session: Session, subscription_id: int) -> Subscription | None:
    """Its owner confirmed the address: the subscription starts (None: no such subscription)."""
    sub = session.get(Subscription, subscription_id)
    if sub is not None:
        sub.active = True
    return sub
