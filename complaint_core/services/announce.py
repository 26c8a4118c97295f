"""Who is told what after a move: the citizen (with the reason), the officer it is assigned to, the GRO asked to
reassign, the escalation officers, the new department on a re-mark. Messages go to the outbox in the same
transaction as the move; every time a citizen reads is in the city's zone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.config import CoreConfig
from complaint_core.model import ComplaintStatus, Event, RejectReason
from complaint_core.routing import Directory
from complaint_core.services.notify import enqueue, tell_citizen, tell_subscribers
from complaint_core.staff import StaffDirectory, contacts

REJECT_WORDS = {
    RejectReason.DUPLICATE.value: "it duplicates complaint {duplicate_of}",
    RejectReason.NOT_OUR_JURISDICTION.value: "it is not in the city's jurisdiction",
    RejectReason.INSUFFICIENT_INFORMATION.value: "there was not enough information to act on it",
}


@dataclass(frozen=True)
class Before:
    """The complaint as it was before the move (to tell a reassignment from a first assignment)."""

    status: ComplaintStatus
    assignee: str | None
    department_id: str
    town_id: str | None
    category_id: str


def _tell_staff(
    session: Session, row: ComplaintRow, to: list[tuple[str, str]], reason: str, text: str, ev: Event
) -> None:
    for medium, address in dict.fromkeys(to):  # one message per address
        enqueue(
            session,
            medium=medium,
            to=address,
            subject=f"{row.tracking_number}: {reason.replace('_', ' ')}",
            body=text,
            reason=reason,
            now=ev.at,
            complaint_id=row.id,
        )


def _where(row: ComplaintRow, directory: Directory | None) -> str:
    dept = directory.department(row.department_id) if directory else None
    town = directory.town(row.town_id) if directory and row.town_id else None
    return f"{dept.name if dept else row.department_id}, {town.name if town else (row.town_id or 'city-wide')}"


def announce(
    session: Session,
    row: ComplaintRow,
    before: Before,
    ev: Event,
    *,
    config: CoreConfig,
    staff: StaffDirectory | None,
    directory: Directory | None,
) -> None:
    """Queue the messages a move calls for."""
    a, t, note = ev.action, row.tracking_number, ev.note
    due = config.local(row.due_at)
    if a == "assign" and staff is not None:
        member = staff.member(row.assignee or "")
        text = f"Complaint {t} ({row.category_id}, {row.town_id or 'city-wide'}) is assigned to you, due {due}."
        if note:
            text += f" Note: {note}"
        _tell_staff(session, row, contacts([member] if member else []), "assigned", text, ev)
        if before.assignee and before.assignee != row.assignee:
            why = note or "the complaint needed another officer"
            tell_citizen(
                session, row, reason="reassigned", text=f"Your complaint {t} was reassigned: {why}.", now=ev.at
            )
    elif a == "request_reassign" and staff is not None:
        gros = staff.with_roles(("gro",), town_id=row.town_id, department_id=row.department_id)
        text = f"{ev.actor} asks to reassign complaint {t} ({row.category_id}, {row.town_id or 'city-wide'}): {note}"
        _tell_staff(session, row, contacts(gros), "reassign_requested", text, ev)
    elif a == "reject":
        words = REJECT_WORDS.get(ev.data.get("reason", ""), "it could not be acted on")
        text = f"Your complaint {t} was closed without action: {words.format(duplicate_of=row.duplicate_of)}."
        if note:
            text += f" {note}"
        tell_citizen(session, row, reason="rejected", text=text, now=ev.at)
    elif a == "resolve":
        text = f"Your complaint {t} is resolved: {note}."
        if config.feedback_link:
            text += " Rate it: " + config.feedback_link.format(tracking=t)
        tell_citizen(session, row, reason="resolved", text=text, now=ev.at)
        tell_subscribers(session, row, event="resolved", text=f"Complaint {t} was resolved.", now=ev.at)
    elif a == "remark":
        where = _where(row, directory)
        text = f"Your complaint {t} was transferred to {where}: {note}. Promised by {due}."
        tell_citizen(session, row, reason="remarked", text=text, now=ev.at)
        if staff is not None:
            gros = staff.with_roles(("gro",), town_id=row.town_id, department_id=row.department_id)
            staff_text = f"Complaint {t} was re-marked to {where} by {ev.actor}: {note}. Due {due}."
            _tell_staff(session, row, contacts(gros), "remarked", staff_text, ev)
    if ev.to_status is ComplaintStatus.ESCALATED and before.status is not ComplaintStatus.ESCALATED:
        why = ev.data.get("words") or note or "the complaint was reopened"
        text = f"Your complaint {t} is escalated to an escalation officer. Your words: {why}"
        tell_citizen(session, row, reason="escalated", text=text, now=ev.at)
        if staff is not None:
            officers = staff.with_roles(("escalation_officer",), town_id=row.town_id, department_id=row.department_id)
            staff_text = f"Complaint {t} ({row.category_id}, {row.town_id or 'city-wide'}) reopened twice: {why}"
            _tell_staff(session, row, contacts(officers), "escalated", staff_text, ev)
