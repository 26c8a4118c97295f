"""Loading and saving complaints: rows <-> lifecycle state, history events, tracking sequence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow, Notification
from complaint_core.lifecycle import MAX_REOPENINGS, LifecycleState
from complaint_core.model import ComplaintKind, ComplaintStatus, Conflict, Event, NotFound, tracking_number
from complaint_core.policy import Target
from complaint_core.sla import Pause

# The SQLite side of numbering: three statements built once (a statement built per call costs its cache key).
BUMP_COUNTER = text(
    "INSERT INTO tracking_counters (city, year, last) VALUES (:city, :year, 1)"
    " ON CONFLICT (city, year) DO UPDATE SET last = tracking_counters.last + 1 RETURNING last"
)
SET_NUMBER = text("UPDATE complaints SET tracking_number = :tracking WHERE id = :id")
SET_MESSAGES_NUMBER = text(
    "UPDATE notifications SET body = replace(body, :provisional, :tracking),"
    " subject = replace(subject, :provisional, :tracking) WHERE complaint_id = :id"
)


def next_tracking_number(session: Session, city: str, year: int) -> str:
    """Bump the (city, year) counter in the caller's transaction and return the new number.

    One atomic upsert: concurrent registrations queue on the counter row (PostgreSQL row lock, SQLite write
    lock), so numbers are unique and gap-free among committed ones, and a rolled-back number is never reused
    by a later year or city.
    """
    seq = session.connection().execute(BUMP_COUNTER, {"city": city, "year": year}).scalar_one()
    return tracking_number(city, year, seq)


PG_NUMBER = text(
    """
    WITH c AS (
        INSERT INTO tracking_counters (city, year, last) VALUES (:city, :year, 1)
        ON CONFLICT (city, year) DO UPDATE SET last = tracking_counters.last + 1
        RETURNING last
    ), t AS (
        UPDATE complaints SET tracking_number = :prefix || lpad(c.last::text, greatest(7, length(c.last::text)), '0')
        FROM c WHERE complaints.id = :id
        RETURNING complaints.tracking_number
    ), n AS (
        UPDATE notifications SET body = replace(body, :provisional, t.tracking_number),
            subject = replace(subject, :provisional, t.tracking_number)
        FROM t WHERE notifications.complaint_id = :id
    )
    SELECT tracking_number FROM t
    """
)


def number_complaint(session: Session, complaint_id: int, provisional: str, city: str, year: int) -> str:
    """Give a stored complaint its tracking number: bump the counter, and put the number in place of the
    ``provisional`` one in the row and in the messages already queued for it. Returns the number.

    The counter's row stays locked until commit, so this is a registration's last write: on PostgreSQL one
    statement (a single round trip, then the commit), so registrations queue on the counter for as short a time
    as the database allows. The row keeps its version (numbering is no edit).
    """
    if session.get_bind().dialect.name == "postgresql":
        params = {"city": city, "year": year, "prefix": f"{city}-{year}-", "id": complaint_id}
        return session.connection().execute(PG_NUMBER, {**params, "provisional": provisional}).scalar_one()
    tracking = next_tracking_number(session, city, year)
    conn = session.connection()
    conn.execute(SET_NUMBER, {"tracking": tracking, "id": complaint_id})
    conn.execute(SET_MESSAGES_NUMBER, {"provisional": provisional, "tracking": tracking, "id": complaint_id})
    return tracking


def get_row(session: Session, tracking: str) -> ComplaintRow:
    """The complaint with this tracking number; NotFound otherwise."""
    stmt = select(ComplaintRow).where(ComplaintRow.tracking_number == tracking.strip().upper())
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no complaint {tracking}")
    return row


def check_version(row: ComplaintRow, expected: int | None) -> None:
    """Optimistic locking: refuse when the caller edited an older version than the stored one."""
    if expected is not None and expected != row.version:
        raise Conflict(
            f"complaint {row.tracking_number} changed since you read it (your version {expected}, now {row.version}); "
            "reload and try again"
        )


def state_of(row: ComplaintRow, reopen_after_close: timedelta | None = None) -> LifecycleState:
    """The lifecycle's view of a row; a closed one may be reopened for ``reopen_after_close`` after closing."""
    reopen_until = None
    if row.status == ComplaintStatus.CLOSED.value and row.closed_at and reopen_after_close is not None:
        reopen_until = row.closed_at + reopen_after_close
    return LifecycleState(
        status=ComplaintStatus(row.status),
        assignee=row.assignee,
        reopen_count=row.reopen_count,
        qc_required=row.qc_required,
        duplicate_of=row.duplicate_of,
        town_id=row.town_id,
        department_id=row.department_id,
        reopen_until=reopen_until,
        internal=ComplaintKind.of(row.channel) is ComplaintKind.INTERNAL,
    )


def apply_state(row: ComplaintRow, state: LifecycleState, now: datetime) -> None:
    row.status = state.status.value
    row.kind = state.status.kind.value
    row.assignee = state.assignee
    row.reopen_count = state.reopen_count
    row.qc_required = state.qc_required
    row.duplicate_of = state.duplicate_of
    row.town_id = state.town_id
    if state.department_id is not None:  # a complaint always has one; a state built without it keeps the row's
        row.department_id = state.department_id
    row.updated_at = now


def pauses_of(row: ComplaintRow) -> list[Pause]:
    """The complaint's SLA pauses (time waiting for the citizen)."""
    return [Pause(datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None) for a, b in row.pauses or []]


def target_of(row: ComplaintRow) -> Target:
    return Target(
        row.town_id,
        row.department_id,
        row.assignee,
        row.channel,
        row.status,
        escalated=row.reopen_count >= MAX_REOPENINGS,
        site_id=row.site_id,
    )


def _event_values(complaint_id: int, event: Event) -> dict[str, Any]:
    return {
        "complaint_id": complaint_id,
        "at": event.at,
        "action": event.action,
        "actor": event.actor,
        "role": event.role,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value if event.to_status else None,
        "note": event.note,
        "data": event.data,
    }


def append_event(session: Session, complaint_id: int, event: Event) -> None:
    """Add one history line (never updated or deleted afterwards)."""
    session.add(ComplaintEvent(**_event_values(complaint_id, event)))


# A new complaint's rows go in by Core statements built once: the ORM's unit of work (state tracking, flush
# ordering, cache keys of statements built per call) was the largest part of a registration's CPU.
INSERT_COMPLAINT = insert(ComplaintRow.__table__).returning(ComplaintRow.__table__.c.id)
INSERT_EVENT = insert(ComplaintEvent.__table__)
INSERT_MESSAGES = insert(Notification.__table__)


def insert_complaint(
    session: Session, values: dict[str, Any], event: Event, messages: Callable[[int], list[dict[str, Any]]]
) -> int:
    """Store a new complaint (``values``: its columns), its first history line and the messages ``messages(id)``
    queues about it, in the session's transaction; returns its id. The row starts at version 1, as the ORM's
    version counter would."""
    conn = session.connection()
    complaint_id = int(conn.execute(INSERT_COMPLAINT, values | {"version": 1}).scalar_one())
    conn.execute(INSERT_EVENT, _event_values(complaint_id, event))
    queued = messages(complaint_id)
    if queued:
        conn.execute(INSERT_MESSAGES, queued)
    return complaint_id


def history(session: Session, complaint_id: int) -> list[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id).order_by(ComplaintEvent.id)
    return list(session.execute(stmt).scalars())
