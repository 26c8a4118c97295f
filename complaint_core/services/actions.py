"""Acting on a complaint: lifecycle moves and edits, each checked against role and scope, each recorded."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow, QcCall
from complaint_core.adapters.repo import (
    append_event,
    apply_state,
    check_version,
    get_row,
    pauses_of,
    state_of,
    target_of,
)
from complaint_core.config import CoreConfig
from complaint_core.intake import check_photo, normalise_cnic
from complaint_core.lifecycle import Command, apply
from complaint_core.model import ComplaintStatus, Event, Forbidden, InvalidInput, NotFound, Priority
from complaint_core.policy import assignable, can
from complaint_core.qc import needs_qc
from complaint_core.roles import Actor
from complaint_core.routing import Directory
from complaint_core.services.announce import Before, announce
from complaint_core.services.registration import _save_photos
from complaint_core.services.remark import apply_remark, plan_remark
from complaint_core.sla import sla_status
from complaint_core.staff import StaffDirectory

EDITABLE = ("citizen_name", "address", "description", "email", "ward", "priority", "cnic")


@dataclass(frozen=True)
class Acted:
    tracking_number: str
    status: str
    version: int
    event: Event


_pauses = pauses_of  # the SLA job imports it from here


def refresh_due(row: ComplaintRow, cfg: CoreConfig, now: datetime) -> None:
    """Recompute the due date after a pause ends (time waiting for the citizen does not count)."""
    st = sla_status(
        registered_at=row.registered_at, promised=row.promised_seconds, pauses=_pauses(row), now=now, cal=cfg.calendar
    )
    row.due_at = st.due_at


def load_visible(session: Session, tracking: str, actor: Actor, action: str = "view") -> ComplaintRow:
    """The complaint, if ``actor`` may see it (NotFound otherwise: out-of-scope complaints are not revealed)."""
    row = get_row(session, tracking)
    if not can(actor, "view", target_of(row)) and not can(actor, action, target_of(row)):
        raise NotFound(f"no complaint {tracking}")
    return row


def _resolution_photo(cmd: Command, cfg: CoreConfig) -> bytes | None:
    data = cmd.params.get("photo")
    if not data:
        return None
    if not isinstance(data, bytes):  # decoding (base64 in JSON, a file in a form) is the edge's work
        raise InvalidInput([("photo", "must be the photo's bytes")])
    errors = check_photo("photo", data, cfg.max_photo_bytes)
    if errors:
        raise InvalidInput(errors)
    return data


def act(
    session: Session,
    *,
    tracking: str,
    command: Command,
    actor: Actor,
    now: datetime,
    config: CoreConfig,
    expected_version: int | None = None,
    staff: StaffDirectory | None = None,
    directory: Directory | None = None,
) -> Acted:
    """Apply a lifecycle command; Forbidden / IllegalTransition / InvalidInput / Conflict when it cannot be.

    ``staff`` checks assignees and finds who to tell (the assigned officer, the GRO on a reassignment request,
    the escalation officers); ``directory`` checks a re-mark. Staff actions need both; the system's own moves
    (NOC tickets assigned to a town's IT queue) are trusted.
    """
    row = load_visible(session, tracking, actor, command.action)
    if not can(actor, command.action, target_of(row)):
        raise Forbidden(f"{actor.role or actor.kind} may not {command.action} complaint {row.tracking_number}")
    check_version(row, expected_version)
    photo = _resolution_photo(command, config) if command.action == "resolve" else None
    if photo is not None:
        command = Command(command.action, command.note, {k: v for k, v in command.params.items() if k != "photo"})
    a = command.action
    if a == "assign" and actor.kind != "system":
        if staff is None:
            raise RuntimeError("assignments by staff need the staff directory")
        why = assignable(staff.member(str(command.params.get("assignee") or "")), target_of(row))
        if why and command.params.get("assignee"):
            raise InvalidInput([("assignee", f"{command.params['assignee']}: {why}")])
    remark = None
    if a == "remark":
        if directory is None:
            raise RuntimeError("re-marking needs the directory")
        remark = plan_remark(row, command, directory, config)
        command = Command(a, command.note, {**command.params, **remark.params})
    before = Before(ComplaintStatus(row.status), row.assignee, row.department_id, row.town_id, row.category_id)
    was = {k: getattr(row, k) for k in MOVED}
    new, event = apply(state_of(row, config.reopen_after_close), command, actor, now)
    if a == "resolve" and row.channel != "internal":  # NOC tickets close without a QC call-back
        new = replace(
            new,
            qc_required=needs_qc(
                row.tracking_number,
                priority=row.priority,
                sample_rate=config.qc_sample_rate,
                reopen_count=row.reopen_count,
            ),
        )
    apply_state(row, new, now)
    if a == "wait_citizen":
        row.pauses = [*(row.pauses or []), [now.isoformat(), None]]
    elif a == "resume":
        row.pauses = [[s, e or now.isoformat()] for s, e in row.pauses or []]
        refresh_due(row, config, now)
    elif a == "resolve":
        row.resolved_at = now
        if photo is not None:
            att = _save_photos(config, row.id, [("resolution.jpg", photo)], now)
            att[0].purpose = "resolution"
            session.add_all(att)
    elif a in ("close", "reject"):
        row.closed_at = now  # a rejection's time on the row: the MIS counts it in the period it was made
    elif a == "reopen" or (a == "verify" and event.data.get("outcome") == "failed"):
        row.resolved_at = row.closed_at = None
    elif remark is not None:
        apply_remark(row, remark, config, now)
    event = _moved(row, event, was, now)
    if a in ("verify", "qc_call"):
        session.add(
            QcCall(
                complaint_id=row.id,
                at=now,
                officer=actor.name,
                purpose="verification" if a == "verify" else "callback",
                reached=event.data["reached"],
                satisfied=event.data.get("satisfied"),
                words=event.data.get("words"),
                outcome=event.data["outcome"],
                status_at_call=before.status.value,
            )
        )
    if a == "resolve" and new.qc_required:
        event = replace(event, data={**event.data, "qc_required": True})
    if command.params.get("public") and a != "note":
        event = replace(event, data={**event.data, "public": True})
    session.flush()  # the version check happens here: a concurrent writer makes this raise (StaleDataError)
    append_event(session, row.id, event)
    announce(session, row, before, event, config=config, staff=staff, directory=directory)
    session.flush()
    return Acted(row.tracking_number, row.status, row.version, event)


# What the MIS groups and counts overdue by: an event that changes one records what it was.
MOVED = ("town_id", "department_id", "category_id", "ward", "assignee", "due_at")


def _moved(row: ComplaintRow, event: Event, before: dict[str, Any], now: datetime) -> Event:
    """Record on the event what the officer, place, category and due date were when it changes them, and when
    on the row: a period that ended before then reads them from the history (the MIS of then stays as it was)."""
    was = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in before.items() if getattr(row, k) != v}
    if not was:
        return event
    row.moved_at = now
    return replace(event, data={**event.data, "was": was})


def edit_complaint(
    session: Session,
    *,
    tracking: str,
    changes: dict[str, Any],
    actor: Actor,
    now: datetime,
    expected_version: int,
) -> Acted:
    """Change citizen-given fields (with history); the caller's version must be current (optimistic locking)."""
    row = load_visible(session, tracking, actor, "edit")
    if not can(actor, "edit", target_of(row)):
        raise Forbidden(f"{actor.role or actor.kind} may not edit complaint {row.tracking_number}")
    check_version(row, expected_version)
    errors = [(k, "not editable") for k in changes if k not in EDITABLE]
    if "priority" in changes and changes["priority"] not in {p.value for p in Priority}:
        errors.append(("priority", f"must be one of {', '.join(p.value for p in Priority)}"))
    if changes.get("cnic"):
        try:
            changes = {**changes, "cnic": normalise_cnic(changes["cnic"])}
        except ValueError as exc:
            errors.append(("cnic", str(exc)))
    if "description" in changes and not (changes["description"] or "").strip():
        errors.append(("description", "required"))
    if errors:
        raise InvalidInput(errors)
    before = {k: getattr(row, k) for k in changes}
    diff = {k: {"from": before[k], "to": v} for k, v in changes.items() if before[k] != v}
    for k, v in changes.items():
        setattr(row, k, v)
    row.updated_at = now
    if "ward" in diff:
        row.moved_at = now  # the edit's diff says what the ward was, for the MIS of a period that ended before
    status = state_of(row).status
    event = Event("edit", actor.name, actor.role.value if actor.role else actor.kind, now, status, status, None, diff)
    session.flush()
    append_event(session, row.id, event)
    session.flush()
    return Acted(row.tracking_number, row.status, row.version, event)
