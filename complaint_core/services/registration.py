"""Registering a complaint from any channel: check, route, number, store, notify - all in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.adapters.orm import Attachment, ComplaintRow
from complaint_core.adapters.repo import append_event, next_tracking_number
from complaint_core.config import CoreConfig
from complaint_core.intake import Intake, sniff_photo, validate_intake
from complaint_core.model import ComplaintStatus, Event, Forbidden
from complaint_core.policy import Target, can
from complaint_core.roles import Actor
from complaint_core.routing import Directory, Route, route
from complaint_core.services.duplicates import DuplicateHint, find_duplicates
from complaint_core.services.notify import subscribers, tell_citizen, tell_subscribers
from complaint_core.sla import promised_due, promised_seconds


@dataclass(frozen=True)
class Registered:
    tracking_number: str
    id: int
    status: str
    department_id: str
    town_id: str | None
    category: str
    due_at: datetime
    route_reason: str
    possible_duplicates: list[DuplicateHint]
    version: int


def _save_photos(
    cfg: CoreConfig, complaint_id: int, photos: list[tuple[str, bytes]], now: datetime
) -> list[Attachment]:
    """Write photos under the attachments directory (content-addressed); the rows join the transaction."""
    out = []
    for name, data in photos:
        digest = hashlib.sha256(data).hexdigest()
        rel = Path(digest[:2]) / digest
        dest = cfg.attachments_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(dest)  # atomic: a reader never sees half a photo
        out.append(
            Attachment(
                complaint_id=complaint_id,
                purpose="intake",
                filename=Path(name).name[:200] or "photo",
                content_type=sniff_photo(data) or "application/octet-stream",
                size=len(data),
                sha256=digest,
                path=str(rel),
                at=now,
            )
        )
    return out


def registration_text(tracking: str, category: str, due: datetime) -> str:
    return (
        f"Your complaint {tracking} ({category}) is registered. "
        f"Promised resolution by {due:%d %b %Y %H:%M} UTC. Track it with the number and your phone's last 4 digits."
    )


def register_complaint(
    session: Session,
    *,
    data: dict[str, Any] | Intake,
    actor: Actor,
    directory: Directory,
    now: datetime,
    config: CoreConfig,
) -> Registered:
    """Register a complaint (every channel, including ``internal`` by ``Actor.system('noc')``).

    Raises InvalidInput listing every problem, Forbidden when the actor may not use this channel.
    """
    intake = (
        data
        if isinstance(data, Intake)
        else validate_intake(data, max_photo_bytes=config.max_photo_bytes, default_region=config.phone_region)
    )
    rt: Route = route(
        directory, category_id=intake.category_id, town_id=intake.town_id, ward=intake.ward, point=intake.point
    )
    if not can(actor, "register", Target(rt.town_id, rt.department_id, None, intake.channel.value)):
        raise Forbidden(f"{actor.role or actor.kind} may not register {intake.channel.value} complaints")
    duplicates = find_duplicates(
        session,
        category_id=rt.category.id,
        point=intake.point,
        phone=intake.phone,
        now=now,
        radius_m=config.duplicate_radius_m,
        days=config.duplicate_days,
    )
    priority = (intake.priority.value if intake.priority else None) or rt.category.priority
    # The category's hours already reflect its usual priority; only a priority given at intake shortens them.
    promised = promised_seconds(rt.category.promised_hours, intake.priority.value if intake.priority else "normal")
    due = promised_due(now, promised, config.calendar)
    status = ComplaintStatus.TRIAGE if rt.triage else ComplaintStatus.REGISTERED
    # Reads first, then writes: on SQLite the write lock is then held only for the short write phase.
    watchers = subscribers(
        session,
        event="new",
        town_id=rt.town_id,
        ward=intake.ward,
        category_ids=[rt.category.id, rt.category.parent_id or rt.category.id],
    )
    # The counter upsert is the transaction's first write: on SQLite it takes the write lock before anything else.
    tracking = next_tracking_number(session, directory.city_code, now.year)
    row = ComplaintRow(
        tracking_number=tracking,
        channel=intake.channel.value,
        status=status.value,
        kind=status.kind.value,
        priority=priority,
        citizen_name=intake.citizen_name,
        phone=intake.phone,
        email=intake.email,
        cnic=intake.cnic,
        address=intake.address,
        town_id=rt.town_id,
        ward=intake.ward,
        lat=intake.point.lat if intake.point else None,
        lon=intake.point.lon if intake.point else None,
        category_id=rt.category.id,
        parent_category_id=rt.category.parent_id,
        department_id=rt.department_id,
        description=intake.description,
        reopen_count=0,
        escalation_level=0,
        sla_warned=False,
        qc_required=False,
        channel_data=intake.channel_data,
        promised_seconds=promised,
        pauses=[],
        registered_at=now,
        due_at=due,
        updated_at=now,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    note = f"routed: {rt.reason}"
    if duplicates:
        note += "; possible duplicates: " + ", ".join(d.tracking_number for d in duplicates)
    append_event(
        session,
        row.id,
        Event(
            "register",
            actor.name,
            actor.role.value if actor.role else actor.kind,
            now,
            None,
            status,
            note,
            {"channel": intake.channel.value},
        ),
    )
    session.add_all(_save_photos(config, row.id, intake.photos, now))
    text = registration_text(tracking, rt.category.name, due)
    if intake.channel.value != "internal":
        tell_citizen(session, row, reason="registered", text=text, now=now)
    summary = (
        f"New complaint {tracking} ({rt.category.name}) in {row.town_id or 'city-wide'}: {intake.description[:140]}"
    )
    tell_subscribers(session, row, event="new", text=summary, now=now, found=watchers)
    session.flush()
    return Registered(
        tracking,
        row.id,
        row.status,
        row.department_id,
        row.town_id,
        rt.category.id,
        due,
        rt.reason,
        duplicates,
        row.version,
    )
