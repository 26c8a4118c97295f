"""The citizen's word: a rating (1-5) with a comment, and reopening; a poor rating opens an appeal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from complaint_core.adapters.orm import Feedback
from complaint_core.adapters.repo import append_event, get_row
from complaint_core.config import CoreConfig
from complaint_core.lifecycle import Command
from complaint_core.model import ComplaintStatus, DomainError, Event, InvalidInput
from complaint_core.qc import is_poor
from complaint_core.roles import Actor
from complaint_core.services.actions import act

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


def citizen_reopen(session: Session, *, tracking: str, words: str, now: datetime, config: CoreConfig) -> str:
    """The citizen reopens a resolved complaint with their own words; returns the new status."""
    acted = act(
        session,
        tracking=tracking,
        command=Command("reopen", note=words),
        actor=Actor(kind="citizen", name="citizen"),
        now=now,
        config=config,
    )
    return acted.status
