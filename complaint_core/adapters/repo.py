"""Loading and saving complaints: rows <-> lifecycle state, history events, tracking sequence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow, TrackingCounter
from complaint_core.lifecycle import LifecycleState
from complaint_core.model import ComplaintStatus, Conflict, Event, NotFound, tracking_number
from complaint_core.policy import Target


def next_tracking_number(session: Session, city: str, year: int) -> str:
    """Bump the (city, year) counter in the caller's transaction and return the new number.

    One atomic upsert: concurrent registrations queue on the counter row (PostgreSQL row lock, SQLite write
    lock), so numbers are unique and gap-free among committed ones, and a rolled-back number is never reused
    by a later year or city.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(TrackingCounter).values(city=city, year=year, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["city", "year"], set_={"last": TrackingCounter.last + 1}
    ).returning(TrackingCounter.last)
    seq = session.execute(stmt).scalar_one()
    return tracking_number(city, year, seq)


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


def state_of(row: ComplaintRow) -> LifecycleState:
    return LifecycleState(
        status=ComplaintStatus(row.status),
        assignee=row.assignee,
        reopen_count=row.reopen_count,
        qc_required=row.qc_required,
        duplicate_of=row.duplicate_of,
        town_id=row.town_id,
        department_id=row.department_id,
    )


def apply_state(row: ComplaintRow, state: LifecycleState, now: datetime) -> None:
    row.status = state.status.value
    row.kind = state.status.kind.value
    row.assignee = state.assignee
    row.reopen_count = state.reopen_count
    row.qc_required = state.qc_required
    row.duplicate_of = state.duplicate_of
    row.town_id = state.town_id
    row.department_id = state.department_id
    row.updated_at = now


def target_of(row: ComplaintRow) -> Target:
    return Target(row.town_id, row.department_id, row.assignee, row.channel, row.status)


def append_event(session: Session, complaint_id: int, event: Event) -> None:
    """Add one history line (never updated or deleted afterwards)."""
    session.add(
        ComplaintEvent(
            complaint_id=complaint_id,
            at=event.at,
            action=event.action,
            actor=event.actor,
            role=event.role,
            from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value if event.to_status else None,
            note=event.note,
            data=event.data,
        )
    )


def history(session: Session, complaint_id: int) -> list[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id).order_by(ComplaintEvent.id)
    return list(session.execute(stmt).scalars())
