"""Internal tickets raised by the NOC (channel ``internal``): open one for an outage, resolve it when it ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from complaint_core.adapters.repo import get_row, state_of
from complaint_core.config import CoreConfig
from complaint_core.lifecycle import Command
from complaint_core.model import ComplaintStatus
from complaint_core.roles import Actor
from complaint_core.routing import Directory
from complaint_core.services.actions import act
from complaint_core.services.registration import Registered, register_complaint
from complaint_core.sla import promised_due, working_seconds

NOC = Actor.system("noc")


def raise_internal_ticket(
    session: Session,
    *,
    category_id: str,
    description: str,
    source_ref: str,
    directory: Directory,
    now: datetime,
    config: CoreConfig,
    town_id: str | None = None,
    assignee: str | None = None,
    actor: Actor = NOC,
) -> Registered:
    """Register an internal ticket (and assign it when an assignee is known); the caller commits."""
    done = register_complaint(
        session,
        data={
            "channel": "internal",
            "category": category_id,
            "description": description,
            "town": town_id,
            "channel_data": {"source_ref": source_ref},
        },
        actor=actor,
        directory=directory,
        now=now,
        config=config,
    )
    if assignee and done.status == ComplaintStatus.REGISTERED.value:
        act(
            session,
            tracking=done.tracking_number,
            command=Command("assign", params={"assignee": assignee}),
            actor=actor,
            now=now,
            config=config,
        )
    return done


def set_deadline(session: Session, *, tracking: str, deadline: datetime, now: datetime, config: CoreConfig) -> None:
    """Make a ticket due by ``deadline`` whatever its category promises: the SLA clock counts the working time
    left until then (at least a minute, so a deadline already past still gives a due date ahead)."""
    row = get_row(session, tracking)
    cal = config.calendar
    row.promised_seconds = max(60.0, working_seconds(now, deadline, cal))
    row.due_at = min(promised_due(now, row.promised_seconds, cal), max(deadline, now + timedelta(minutes=1)))


def resolve_internal_ticket(
    session: Session, *, tracking: str, note: str, now: datetime, config: CoreConfig, actor: Actor = NOC
) -> str:
    """Walk an open ticket to resolved, recording each move (assign, start, resolve); returns the final status.

    Already resolved or closed tickets are left as they are (the outage may end twice after a restart).
    """
    steps = {
        ComplaintStatus.TRIAGE: ["route", "assign", "start", "resolve"],
        ComplaintStatus.REGISTERED: ["assign", "start", "resolve"],
        ComplaintStatus.REOPENED: ["assign", "start", "resolve"],
        ComplaintStatus.REASSIGN_REQUESTED: ["assign", "start", "resolve"],
        ComplaintStatus.ASSIGNED: ["start", "resolve"],
        ComplaintStatus.WAITING_CITIZEN: ["resume", "resolve"],
        ComplaintStatus.IN_PROGRESS: ["resolve"],
        ComplaintStatus.ESCALATED: ["resolve"],
    }
    row = get_row(session, tracking)
    status = state_of(row).status
    for action in steps.get(status, []):
        params = {"assignee": row.assignee or actor.name, "department_id": row.department_id}
        status = ComplaintStatus(
            act(
                session,
                tracking=tracking,
                command=Command(action, note if action == "resolve" else None, params),
                actor=actor,
                now=now,
                config=config,
            ).status
        )
    return status.value
