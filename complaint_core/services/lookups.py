"""Reads and small writes the server's features make of complaints, in plain values: Open311, the ticket bridge,
maintenance, intake, the IVR and the NOC pages find complaints here and never touch the core's tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import Attachment, ComplaintRow
from complaint_core.adapters.repo import append_event, get_row, history
from complaint_core.model import Channel, ComplaintStatus, Event, StatusKind
from complaint_core.roles import Actor
from complaint_core.services.queries import event_dict


@dataclass(frozen=True)
class ComplaintRecord:
    """One complaint as stored, as values (a snapshot: changing it changes nothing)."""

    id: int
    tracking_number: str
    channel: str
    status: str
    kind: str
    priority: str
    citizen_name: str | None
    phone: str | None
    email: str | None
    cnic: str | None
    address: str | None
    town_id: str | None
    ward: str | None
    lat: float | None
    lon: float | None
    category_id: str
    parent_category_id: str | None
    department_id: str
    description: str
    assignee: str | None
    reopen_count: int
    escalation_level: int
    sla_warned: bool
    qc_required: bool
    duplicate_of: str | None
    channel_data: dict[str, Any]
    promised_seconds: float
    pauses: list[Any]
    registered_at: datetime
    due_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    created_by: str
    site_id: str | None
    call_ref: str | None
    rating: int | None
    feedback_comment: str | None
    version: int


_FIELDS = tuple(f.name for f in fields(ComplaintRecord))


def record_of(row: ComplaintRow) -> ComplaintRecord:
    return ComplaintRecord(**{k: getattr(row, k) for k in _FIELDS})


def _public(stmt: Select[ComplaintRow], public_only: bool) -> Select[ComplaintRow]:
    """Citizens' complaints only (no internal ticket) when ``public_only``."""
    return stmt.where(ComplaintRow.channel != Channel.INTERNAL.value) if public_only else stmt


def complaint(session: Session, tracking: str, *, public_only: bool = False) -> ComplaintRecord | None:
    """The complaint with exactly this tracking number (the caller normalises it), or None."""
    stmt = _public(select(ComplaintRow).where(ComplaintRow.tracking_number == tracking), public_only)
    row = session.execute(stmt).scalar_one_or_none()
    return None if row is None else record_of(row)


def get_complaint(session: Session, tracking: str) -> ComplaintRecord:
    """The complaint with this tracking number (trimmed, any case); NotFound otherwise."""
    return record_of(get_row(session, tracking))


def complaints(session: Session, numbers: Iterable[str], *, public_only: bool = False) -> list[ComplaintRecord]:
    """The complaints with these tracking numbers, in no particular order (unknown numbers are left out)."""
    wanted = list(numbers)
    if not wanted:
        return []
    stmt = _public(select(ComplaintRow).where(ComplaintRow.tracking_number.in_(wanted)), public_only)
    return [record_of(r) for r in session.execute(stmt).scalars()]


def public_complaints(
    session: Session,
    *,
    numbers: Sequence[str] | None = None,
    registered_from: datetime | None = None,
    registered_to: datetime | None = None,
    category_ids: Sequence[str] = (),
    open_: bool | None = None,
    limit: int,
    offset: int = 0,
) -> list[ComplaintRecord]:
    """Citizens' complaints, newest registration first: by number, or registered in [from, to] (both included),
    in these categories, open (True) or finished (False)."""
    stmt = select(ComplaintRow).where(ComplaintRow.channel != Channel.INTERNAL.value)
    if numbers is not None:
        stmt = stmt.where(ComplaintRow.tracking_number.in_(list(numbers)))
    if registered_from is not None:
        stmt = stmt.where(ComplaintRow.registered_at >= registered_from)
    if registered_to is not None:
        stmt = stmt.where(ComplaintRow.registered_at <= registered_to)
    if category_ids:
        stmt = stmt.where(ComplaintRow.category_id.in_(list(category_ids)))
    if open_ is True:
        stmt = stmt.where(ComplaintRow.kind == StatusKind.OPEN.value)
    elif open_ is False:
        stmt = stmt.where(ComplaintRow.kind != StatusKind.OPEN.value)
    stmt = stmt.order_by(ComplaintRow.registered_at.desc(), ComplaintRow.id.desc()).limit(limit).offset(offset)
    return [record_of(r) for r in session.execute(stmt).scalars()]


def statuses(session: Session, numbers: Iterable[str]) -> dict[str, str]:
    """tracking number -> status, for those of ``numbers`` that exist."""
    wanted = list(numbers)
    if not wanted:
        return {}
    stmt = select(ComplaintRow.tracking_number, ComplaintRow.status).where(ComplaintRow.tracking_number.in_(wanted))
    return {t: s for t, s in session.execute(stmt).all()}


def open_internal_by_assignee(session: Session, assignee_like: str) -> dict[str, int]:
    """assignee -> open internal tickets, for assignees matching the SQL LIKE pattern ``assignee_like``."""
    stmt = (
        select(ComplaintRow.assignee, func.count())
        .where(
            ComplaintRow.channel == Channel.INTERNAL.value,
            ComplaintRow.kind == StatusKind.OPEN.value,
            ComplaintRow.assignee.like(assignee_like),
        )
        .group_by(ComplaintRow.assignee)
    )
    return {a: n for a, n in session.execute(stmt).all() if a is not None}


def history_of(session: Session, tracking: str) -> list[dict[str, Any]]:
    """Every history line of the complaint with exactly this number, oldest first ([] when there is none)."""
    cid = session.execute(select(ComplaintRow.id).where(ComplaintRow.tracking_number == tracking)).scalar()
    return [] if cid is None else [event_dict(e) for e in history(session, cid)]


def attachment_file(session: Session, tracking: str, sha256: str) -> tuple[str, str] | None:
    """(stored path, content type) of the complaint's attachment with this digest, or None."""
    found = session.execute(
        select(Attachment.path, Attachment.content_type)
        .join(ComplaintRow, ComplaintRow.id == Attachment.complaint_id)
        .where(ComplaintRow.tracking_number == tracking, Attachment.sha256 == sha256)
    ).first()
    return None if found is None else (found.path, found.content_type)


def add_note(session: Session, *, tracking: str, actor: Actor, note: str, data: dict[str, Any], now: datetime) -> None:
    """A note in the complaint's history that leaves its status as it is (NotFound: no such complaint)."""
    row = get_row(session, tracking)
    status = ComplaintStatus(row.status)
    event = Event(
        action="note",
        actor=actor.name,
        role=actor.kind,
        at=now,
        from_status=status,
        to_status=status,
        note=note,
        data=data,
    )
    append_event(session, row.id, event)
