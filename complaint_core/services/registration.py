"""Registering a complaint from any channel: check, route, number, store, notify - all in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.access import tracking_code
from complaint_core.adapters.orm import Attachment
from complaint_core.adapters.repo import insert_complaint, number_complaint
from complaint_core.config import CoreConfig
from complaint_core.intake import Intake, size_problems, sniff_photo, validate_intake
from complaint_core.model import Channel, ComplaintStatus, Event, Forbidden, InvalidInput
from complaint_core.policy import Target, can
from complaint_core.roles import Actor
from complaint_core.routing import Directory, Route, route
from complaint_core.services.duplicates import DuplicateHint, find_duplicates
from complaint_core.services.notify import citizen_messages, subscriber_messages, subscribers
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
    access_code: str  # what proves the citizen's right to track it (complaint_core.access); "" without a key


def _save_photos(
    cfg: CoreConfig, complaint_id: int, photos: list[tuple[str, bytes]], now: datetime
) -> list[Attachment]:
    """Keep photos in the configured store (named by digest); the rows join the transaction."""
    out = []
    for name, data in photos:
        digest = hashlib.sha256(data).hexdigest()
        rel = cfg.attachments.put(digest, data)
        out.append(
            Attachment(
                complaint_id=complaint_id,
                purpose="intake",
                filename=Path(name).name[:200] or "photo",
                content_type=sniff_photo(data) or "application/octet-stream",
                size=len(data),
                sha256=digest,
                path=rel,
                at=now,
            )
        )
    return out


def registration_text(tracking: str, category: str, due: str, code: str) -> str:
    track = f"Track it with the number and code {code}." if code else "Track it with the number and your phone number."
    return f"Your complaint {tracking} ({category}) is registered. Promised resolution by {due}. {track}"


def _check_counter(intake: Intake, directory: Directory) -> None:
    """A walk-in names a real counter (a walk-in channel or one of its workstations), so per-counter figures add
    up to the walk-in channel's."""
    if intake.channel is not Channel.WALK_IN or directory.counters is None:
        return
    counter = str(intake.channel_data.get("counter") or "")
    if counter and counter not in directory.counters:
        raise InvalidInput(
            [("channel_data.counter", f"{counter!r} is no walk-in counter or counter workstation of this city")]
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
    if isinstance(data, Intake):  # built by a channel of its own (Open311): held to the same sizes
        too_big = size_problems(vars(data))
        if too_big:
            raise InvalidInput(too_big)
        intake = data
    else:
        intake = validate_intake(data, max_photo_bytes=config.max_photo_bytes, default_region=config.phone_region)
    _check_counter(intake, directory)
    rt: Route = route(
        directory,
        category_id=intake.category_id,
        town_id=intake.town_id,
        ward=intake.ward,
        point=intake.point,
        sub_category_id=intake.sub_category_id,
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
    # The tracking counter is the transaction's last write: its row stays locked until commit (PostgreSQL; on
    # SQLite the whole write phase holds the one write lock), so registrations queue on it as briefly as possible.
    # Everything goes in first under a provisional number nobody sees (never committed), the messages too; then
    # number_complaint puts the real number in its place.
    provisional = "~" + secrets.token_hex(11)
    values: dict[str, Any] = {
        "tracking_number": provisional,
        "channel": intake.channel.value,
        "status": status.value,
        "kind": status.kind.value,
        "priority": priority,
        "citizen_name": intake.citizen_name,
        "phone": intake.phone,
        "email": intake.email,
        "cnic": intake.cnic,
        "address": intake.address,
        "town_id": rt.town_id,
        "ward": intake.ward,
        "lat": intake.point.lat if intake.point else None,
        "lon": intake.point.lon if intake.point else None,
        "category_id": rt.category.id,
        "parent_category_id": rt.category.parent_id,
        "department_id": rt.department_id,
        "description": intake.description,
        "reopen_count": 0,
        "escalation_level": 0,
        "sla_warned": False,
        "qc_required": False,
        "channel_data": intake.channel_data,
        "promised_seconds": promised,
        "pauses": [],
        "registered_at": now,
        "due_at": due,
        "updated_at": now,
        "created_by": actor.name,
        "site_id": actor.site_id,
        "call_ref": str(intake.channel_data.get("call_ref"))[:64] if intake.channel_data.get("call_ref") else None,
    }
    note = f"routed: {rt.reason}"
    if duplicates:
        note += "; possible duplicates: " + ", ".join(d.tracking_number for d in duplicates)
    registered = Event(
        "register",
        actor.name,
        actor.role.value if actor.role else actor.kind,
        now,
        None,
        status,
        note,
        {"channel": intake.channel.value},
    )
    # Subscribers are strangers to the citizen: the category and the place, never the citizen's own words.
    town = directory.town(rt.town_id) if rt.town_id else None
    place = ", ".join(p for p in (intake.ward, town.name if town else None) if p) or "city-wide"
    summary = f"New complaint {provisional} ({rt.category.name}) in {place}."
    code = ""

    def messages(complaint_id: int) -> list[dict[str, Any]]:
        nonlocal code
        code = tracking_code(config.code_key, complaint_id) if config.code_key else ""
        out = []
        if intake.channel.value != "internal":
            text = registration_text(provisional, rt.category.name, config.local(due), code)
            out = citizen_messages(
                phone=intake.phone,
                email=intake.email,
                tracking=provisional,
                complaint_id=complaint_id,
                reason="registered",
                text=text,
                now=now,
            )
        return out + subscriber_messages(
            watchers, event="new", tracking=provisional, complaint_id=complaint_id, text=summary, now=now
        )

    complaint_id = insert_complaint(session, values, registered, messages)
    if intake.photos:
        session.add_all(_save_photos(config, complaint_id, intake.photos, now))
        session.flush()
    tracking = number_complaint(session, complaint_id, provisional, directory.city_code, now.year)
    return Registered(
        tracking,
        complaint_id,
        status.value,
        rt.department_id,
        rt.town_id,
        rt.category.id,
        due,
        rt.reason,
        duplicates,
        1,
        code,
    )
