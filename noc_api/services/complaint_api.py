"""One function per complaint endpoint: build the core's inputs, call it, commit. Routers call these."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.lifecycle import Command
from complaint_core.model import Forbidden, InvalidInput
from complaint_core.policy import Target, can
from complaint_core.roles import Actor
from complaint_core.services import actions, feedback, queries, registration
from complaint_core.services.duplicates import find_duplicates
from complaint_core.services.notify import subscribe
from complaint_core.services.queries import SearchFilters
from noc_api.auth import sign, unsign
from noc_api.runtime import Runtime
from noc_api.services.complaints import core_config, load_directory

FEEDBACK_PURPOSE = "complaint-feedback"


def _now() -> datetime:
    return datetime.now(UTC)


def _cfg(rt: Runtime):  # noqa: ANN202
    return core_config(rt.settings, rt.inventory.city.timezone)


def register(session: Session, rt: Runtime, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    """Register and commit; the answer carries the tracking number and promised date."""
    directory = load_directory(session, rt.inventory.city.code)
    done = registration.register_complaint(
        session, data=raw, actor=actor, directory=directory, now=_now(), config=_cfg(rt)
    )
    session.commit()
    out = asdict(done)
    out["public_url"] = f"{rt.settings.public_base_url.rstrip('/')}/track/{done.tracking_number}"
    return out


def act(session: Session, rt: Runtime, actor: Actor, tracking: str, action: str, body: Any) -> dict[str, Any]:
    done = actions.act(
        session,
        tracking=tracking,
        command=Command(action, body.note, body.params()),
        actor=actor,
        now=_now(),
        config=_cfg(rt),
        expected_version=body.version,
    )
    session.commit()
    return {
        "tracking_number": done.tracking_number,
        "status": done.status,
        "version": done.version,
        "event": asdict(done.event),
    }


def edit(session: Session, rt: Runtime, actor: Actor, tracking: str, version: int, changes: dict) -> dict[str, Any]:
    done = actions.edit_complaint(
        session, tracking=tracking, changes=changes, actor=actor, now=_now(), expected_version=version
    )
    session.commit()
    return {
        "tracking_number": done.tracking_number,
        "status": done.status,
        "version": done.version,
        "changed": done.event.data,
    }


def detail(session: Session, actor: Actor, tracking: str) -> dict[str, Any]:
    return queries.detail(session, tracking, actor)


def search(session: Session, actor: Actor, filters: SearchFilters, limit: int, offset: int) -> list[dict[str, Any]]:
    return queries.search(session, actor=actor, filters=filters, now=_now(), limit=limit, offset=offset)


def qc_queue(session: Session, actor: Actor) -> list[dict[str, Any]]:
    return queries.qc_queue(session, actor=actor)


def duplicates(
    session: Session, rt: Runtime, category: str, lat: float | None, lon: float | None, phone: str | None
) -> list[dict[str, Any]]:
    from complaint_core.intake import normalise_phone
    from complaint_core.model import GeoPoint

    try:
        norm = normalise_phone(phone) if phone else None
    except ValueError as exc:
        raise InvalidInput([("phone", str(exc))]) from None
    point = GeoPoint(lat, lon) if lat is not None and lon is not None else None
    cfg = _cfg(rt)
    hints = find_duplicates(
        session,
        category_id=category,
        point=point,
        phone=norm,
        now=_now(),
        radius_m=cfg.duplicate_radius_m,
        days=cfg.duplicate_days,
    )
    return [asdict(h) for h in hints]


def add_subscription(session: Session, actor: Actor, body: Any) -> dict[str, Any]:
    """Staff (within their scope) or citizens (owner "citizen") subscribe to new/resolved complaints."""
    if actor.kind == "staff" and not can(
        actor, "subscribe", Target(town_id=body.town, department_id=actor.department_id)
    ):
        raise Forbidden(f"{actor.role} may not subscribe to complaints of {body.town or 'the whole city'}")
    sub = subscribe(
        session,
        medium=body.medium,
        address=body.address,
        event=body.event,
        owner=actor.name,
        now=_now(),
        town_id=body.town,
        ward=body.ward,
        category_id=body.category,
    )
    session.commit()
    return {
        "id": sub.id,
        "medium": sub.medium,
        "address": sub.address,
        "event": sub.event,
        "town_id": sub.town_id,
        "ward": sub.ward,
        "category_id": sub.category_id,
    }


def public_status(session: Session, tracking: str, phone_last4: str) -> dict[str, Any]:
    return queries.public_status(session, tracking, phone_last4)


def public_reopen(session: Session, rt: Runtime, tracking: str, phone_last4: str, words: str) -> dict[str, Any]:
    queries.public_status(session, tracking, phone_last4)  # proves the caller knows the phone
    status = feedback.citizen_reopen(session, tracking=tracking, words=words, now=_now(), config=_cfg(rt))
    session.commit()
    return {"tracking_number": tracking.upper(), "status": status}


def feedback_token(rt: Runtime, tracking: str) -> str:
    """The signed part of the SMS feedback link."""
    return sign(rt.settings, FEEDBACK_PURPOSE, tracking.upper())


def public_feedback(session: Session, rt: Runtime, tracking: str, body: Any) -> dict[str, Any]:
    if body.token:
        try:
            signed = unsign(rt.settings, FEEDBACK_PURPOSE, body.token, rt.settings.feedback_link_days * 86400)
        except ValueError as exc:
            raise InvalidInput([("token", str(exc))]) from None
        if signed != tracking.upper():
            raise InvalidInput([("token", "this link is for another complaint")])
        via = "link"
    elif body.phone_last4:
        queries.public_status(session, tracking, body.phone_last4)
        via = "web"
    else:
        raise InvalidInput([("phone_last4", "give the phone's last 4 digits or the link's token")])
    done = feedback.rate(session, tracking=tracking, rating=body.rating, comment=body.comment, via=via, now=_now())
    session.commit()
    return asdict(done)


def slip_data(session: Session, rt: Runtime, actor: Actor, tracking: str) -> dict[str, Any]:
    d = queries.detail(session, tracking, actor)
    d["public_url"] = f"{rt.settings.public_base_url.rstrip('/')}/track/{d['tracking_number']}"
    d["city"] = rt.inventory.city.name
    return d
