"""Acting on a complaint: lifecycle moves and edits, each checked against role and scope, each recorded."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.adapters.repo import append_event, apply_state, check_version, get_row, state_of, target_of
from complaint_core.config import CoreConfig
from complaint_core.intake import check_photo, normalise_cnic
from complaint_core.lifecycle import Command, apply
from complaint_core.model import Event, Forbidden, InvalidInput, NotFound, Priority
from complaint_core.policy import can
from complaint_core.qc import needs_qc
from complaint_core.roles import Actor
from complaint_core.services.notify import tell_citizen, tell_subscribers
from complaint_core.services.registration import _save_photos
from complaint_core.sla import Pause, sla_status

EDITABLE = ("citizen_name", "address", "description", "email", "ward", "priority", "cnic")


@dataclass(frozen=True)
class Acted:
    tracking_number: str
    status: str
    version: int
    event: Event


def _pauses(row: ComplaintRow) -> list[Pause]:
    return [Pause(datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None) for a, b in row.pauses or []]


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
    raw = cmd.params.get("photo")
    if not raw:
        return None
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput([("photo", "must be base64")]) from None
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
) -> Acted:
    """Apply a lifecycle command; Forbidden / IllegalTransition / InvalidInput / Conflict when it cannot be."""
    row = load_visible(session, tracking, actor, command.action)
    if not can(actor, command.action, target_of(row)):
        raise Forbidden(f"{actor.role or actor.kind} may not {command.action} complaint {row.tracking_number}")
    check_version(row, expected_version)
    photo = _resolution_photo(command, config) if command.action == "resolve" else None
    if photo is not None:
        command = Command(command.action, command.note, {k: v for k, v in command.params.items() if k != "photo"})
    new, event = apply(state_of(row), command, actor, now)
    if command.action == "resolve" and row.channel != "internal":  # NOC tickets close without a QC call-back
        new = type(new)(
            **{
                **new.__dict__,
                "qc_required": needs_qc(
                    row.tracking_number,
                    priority=row.priority,
                    sample_rate=config.qc_sample_rate,
                    reopen_count=row.reopen_count,
                ),
            }
        )
    apply_state(row, new, now)
    a = command.action
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
        text = f"Your complaint {row.tracking_number} is resolved: {command.note}."
        if config.feedback_link:
            text += " Rate it: " + config.feedback_link.format(tracking=row.tracking_number)
        tell_citizen(session, row, reason="resolved", text=text, now=now)
        tell_subscribers(
            session, row, event="resolved", text=f"Resolved {row.tracking_number}: {command.note}", now=now
        )
    elif a == "close":
        row.closed_at = now
    elif a == "reopen":
        row.resolved_at = None
    if a == "resolve" and new.qc_required:
        event = Event(**{**event.__dict__, "data": {**event.data, "qc_required": True}})
    session.flush()  # the version check happens here: a concurrent writer makes this raise (StaleDataError)
    append_event(session, row.id, event)
    session.flush()
    return Acted(row.tracking_number, row.status, row.version, event)


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
    status = state_of(row).status
    event = Event("edit", actor.name, actor.role.value if actor.role else actor.kind, now, status, status, None, diff)
    session.flush()
    append_event(session, row.id, event)
    session.flush()
    return Acted(row.tracking_number, row.status, row.version, event)
