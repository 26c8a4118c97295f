"""The citizen's word: a rating (1-5) with a comment, and reopening; a poor rating opens an appeal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow, Feedback
from complaint_core.adapters.repo import append_event, get_row
from complaint_core.config import CoreConfig
from complaint_core.lifecycle import Command
from complaint_core.model import ComplaintStatus, DomainError, Event, Forbidden, InvalidInput, NotFound
from complaint_core.policy import Target, can
from complaint_core.qc import is_poor
from complaint_core.roles import Actor
from complaint_core.routing import Directory
from complaint_core.services.actions import act
from complaint_core.staff import StaffDirectory

RATEABLE = {ComplaintStatus.RESOLVED, ComplaintStatus.VERIFIED, ComplaintStatus.CLOSED}


@dataclass(frozen=True)
class Rated:
    tracking_number: str
    rating: int
    appeal: bool


def rate(session: Session, *, tracking: str, rating: int, comment: str | None, via: str, now: datetime) -> Rated:
    """Record the citizen's rating (the caller checked who they are); a poor one opens an appeal event."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput([("rating", "must be a whole number from 1 to 5")])
    row = get_row(session, tracking)
    if ComplaintStatus(row.status) not in RATEABLE:
        raise DomainError(f"complaint {row.tracking_number} is {row.status}: it can be rated once resolved")
    appeal = is_poor(rating)
    session.add(Feedback(complaint_id=row.id, rating=rating, comment=comment, via=via, appeal=appeal, at=now))
    row.rating, row.feedback_comment, row.updated_at = rating, comment, now
    status = ComplaintStatus(row.status)
    session.flush()
    append_event(
        session,
        row.id,
        Event("feedback", "citizen", "citizen", now, status, status, comment, {"rating": rating, "via": via}),
    )
    if appeal:
        # The appeal lands with the escalation officers as an event they can query (no status change:
        # the citizen's reopen, if they want one, is a separate and counted action).
        append_event(
            session, row.id, Event("appeal", "citizen", "citizen", now, status, status, comment, {"rating": rating})
        )
    session.flush()
    return Rated(row.tracking_number, rating, appeal)


def citizen_reopen(
    session: Session,
    *,
    tracking: str,
    words: str,
    now: datetime,
    config: CoreConfig,
    staff: StaffDirectory | None = None,
    directory: Directory | None = None,
) -> str:
    """The citizen reopens a resolved (or lately closed) complaint with their own words; returns the new status."""
    acted = act(
        session,
        tracking=tracking,
        command=Command("reopen", note=words),
        actor=Actor(kind="citizen", name="citizen"),
        now=now,
        config=config,
        staff=staff,
        directory=directory,
    )
    return acted.status


def feedback_queue(
    session: Session, *, actor: Actor, appeals_only: bool = False, handled: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Ratings (and the appeals poor ones opened) waiting for the QC desk, oldest first; or those handled, the
    most recently handled first."""
    if not can(actor, "feedback_queue", Target()):
        raise Forbidden(f"{actor.role or actor.kind} has no ratings and appeals queue")
    stmt = (
        select(Feedback, ComplaintRow)
        .join(ComplaintRow, ComplaintRow.id == Feedback.complaint_id)
        .where(Feedback.handled_at.is_not(None) if handled else Feedback.handled_at.is_(None))
        .order_by(*((Feedback.handled_at.desc(), Feedback.id.desc()) if handled else (Feedback.at, Feedback.id)))
        .limit(min(limit, 500))
    )
    if appeals_only:
        stmt = stmt.where(Feedback.appeal.is_(True))
    return [
        {
            "id": f.id,
            "tracking_number": c.tracking_number,
            "rating": f.rating,
            "comment": f.comment,
            "appeal": f.appeal,
            "via": f.via,
            "at": f.at,
            "status": c.status,
            "category_id": c.category_id,
            "town_id": c.town_id,
            "department_id": c.department_id,
            "assignee": c.assignee,
            "phone": c.phone,  # the desk calls the citizen back about an appeal
            "citizen_name": c.citizen_name,
            "handled_at": f.handled_at,
            "handled_by": f.handled_by,
            "handled_note": f.handled_note,
        }
        for f, c in session.execute(stmt)
    ]


def handle_feedback(session: Session, *, feedback_id: int, actor: Actor, note: str, now: datetime) -> dict[str, Any]:
    """Take a rating or appeal off the queue with the desk's answer (recorded in the complaint's history)."""
    if not can(actor, "feedback_queue", Target()):
        raise Forbidden(f"{actor.role or actor.kind} may not handle ratings and appeals")
    if not (note or "").strip():
        raise InvalidInput([("note", "say what was done about it")])
    fb = session.get(Feedback, feedback_id)
    if fb is None:
        raise NotFound(f"no rating {feedback_id}")
    if fb.handled_at is not None:
        raise DomainError(f"rating {feedback_id} was already handled by {fb.handled_by}")
    fb.handled_at, fb.handled_by, fb.handled_note = now, actor.name, note.strip()
    row = session.get(ComplaintRow, fb.complaint_id)
    assert row is not None
    status = ComplaintStatus(row.status)
    role = actor.role.value if actor.role else actor.kind
    action = "appeal_handled" if fb.appeal else "rating_handled"
    append_event(session, row.id, Event(action, actor.name, role, now, status, status, note, {"feedback_id": fb.id}))
    session.flush()
    return {"id": fb.id, "tracking_number": row.tracking_number, "handled_by": actor.name, "appeal": fb.appeal}
