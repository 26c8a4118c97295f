"""The SLA job: warn before breach, escalate in tiers at breach; idempotent (a tier is reached once)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.adapters.repo import append_event
from complaint_core.config import CoreConfig
from complaint_core.model import ComplaintStatus, Event, StatusKind
from complaint_core.services.actions import _pauses
from complaint_core.services.notify import enqueue, tell_citizen
from complaint_core.sla import sla_status

# recipients(roles, town_id, department_id) -> [(medium, address)]: the server looks its staff up.
Recipients = Callable[[tuple[str, ...], str | None, str | None], list[tuple[str, str]]]
TIER_NAMES = {1: "head of department/town", 2: "senior director", 3: "Mayor's office"}


@dataclass(frozen=True)
class EscalationRun:
    checked: int
    warned: int
    escalated: int


def escalate_overdue(
    session: Session, *, now: datetime, config: CoreConfig, recipients: Recipients, batch: int = 5000
) -> EscalationRun:
    """Check open complaints near or past their due date; record and notify each new warning or tier."""
    pol = config.escalation
    # Only complaints whose due date is near enough for a warning can change anything; the rest are skipped.
    horizon_rows = session.execute(
        select(ComplaintRow)
        .where(
            ComplaintRow.kind == StatusKind.OPEN.value,
            ComplaintRow.escalation_level < len(pol.tiers),
            ComplaintRow.status != ComplaintStatus.WAITING_CITIZEN.value,  # paused: its clock is stopped
        )
        .order_by(ComplaintRow.due_at)
        .limit(batch)
    ).scalars()
    checked = warned = escalated = 0
    for row in horizon_rows:
        checked += 1
        st = sla_status(
            registered_at=row.registered_at,
            promised=row.promised_seconds,
            pauses=_pauses(row),
            now=now,
            cal=config.calendar,
            policy=pol,
        )
        if st.paused:
            continue
        if st.warning and not row.sla_warned and st.level == 0:
            # Compare-and-set: a second run (or process) that already warned updates nothing.
            done = cast(  # DML answers a CursorResult; Session.execute is typed as the general Result
                CursorResult[Any],
                session.execute(
                    update(ComplaintRow)
                    .where(ComplaintRow.id == row.id, ComplaintRow.sla_warned.is_(False))
                    .values(sla_warned=True, version=ComplaintRow.version + 1)
                    .execution_options(synchronize_session=False),
                ),
            ).rowcount
            if done:
                warned += 1
                _record(session, row, "sla_warning", 0, now, st.due_at, recipients, pol.tier_roles[0], config)
        if st.level > row.escalation_level:
            done = cast(  # DML answers a CursorResult; Session.execute is typed as the general Result
                CursorResult[Any],
                session.execute(
                    update(ComplaintRow)
                    .where(ComplaintRow.id == row.id, ComplaintRow.escalation_level < st.level)
                    .values(escalation_level=st.level, sla_warned=True, version=ComplaintRow.version + 1)
                    .execution_options(synchronize_session=False),
                ),
            ).rowcount
            if done:
                escalated += 1
                for level in range(row.escalation_level + 1, st.level + 1):
                    roles = pol.tier_roles[level - 1]
                    _record(session, row, "escalate", level, now, st.due_at, recipients, roles, config)
                # The citizen hears once per run, of the highest tier: the reason for the delay and who has it now.
                text = (
                    f"Your complaint {row.tracking_number} is past its promised date ({config.local(st.due_at)}): "
                    f"it has been escalated to the {TIER_NAMES.get(st.level, 'head of department')}."
                )
                tell_citizen(session, row, reason="delayed", text=text, now=now)
    session.flush()
    return EscalationRun(checked, warned, escalated)


def _record(
    session: Session,
    row: ComplaintRow,
    action: str,
    level: int,
    now: datetime,
    due: datetime,
    recipients: Recipients,
    roles: tuple[str, ...],
    config: CoreConfig,
) -> None:
    status = ComplaintStatus(row.status)
    who = TIER_NAMES.get(level, "department head")
    note = (
        f"SLA warning: due {config.local(due)}"
        if action == "sla_warning"
        else f"SLA breached: escalated to level {level} ({who})"
    )
    append_event(session, row.id, Event(action, "sla", "system", now, status, status, note, {"level": level}))
    text = f"{note}. Complaint {row.tracking_number} ({row.category_id}, {row.town_id or 'city-wide'})."
    for medium, address in recipients(roles, row.town_id, row.department_id):
        enqueue(
            session,
            medium=medium,
            to=address,
            subject=f"{row.tracking_number}: {note}",
            body=text,
            reason=f"escalation_{level}" if level else "sla_warning",
            now=now,
            complaint_id=row.id,
        )
