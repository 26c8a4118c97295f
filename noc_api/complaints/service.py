"""One function per complaint endpoint: build the core's inputs, call it, commit. Routers call these."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.access import tracking_code
from complaint_core.adapters.repo import get_row
from complaint_core.lifecycle import Command
from complaint_core.model import Forbidden, InvalidInput
from complaint_core.policy import Target, can
from complaint_core.roles import Actor
from complaint_core.services import actions, feedback, notify, queries, registration
from complaint_core.services.duplicates import find_duplicates
from complaint_core.services.notify import enqueue, subscribe
from complaint_core.services.queries import SearchFilters
from noc_api.accounts.service import spend_link
from noc_api.complaints import idempotency
from noc_api.complaints.desk import ComplaintDesk
from noc_api.complaints.directory import UsersStaff
from noc_api.complaints.responses import PublicRegisteredOut, RegisteredOut
from noc_api.complaints.schemas import ActionIn, FeedbackIn, SubscriptionIn
from noc_api.security import sign, unsign
from noc_api.web.words import CHANNEL, STATUS

FEEDBACK_PURPOSE = "complaint-feedback"
SUBSCRIPTION_PURPOSE = "subscription-confirm"
CONFIRM_HOURS = 24


def _now() -> datetime:
    return datetime.now(UTC)


def register(
    session: Session,
    desk: ComplaintDesk,
    actor: Actor,
    raw: dict[str, Any],
    key: str | None = None,
    sender: str | None = None,
) -> tuple[RegisteredOut, bool]:
    """Register and commit; the answer carries the tracking number and promised date. With ``key``, a resend from
    the same sender gets the first answer back (True: replayed) and no second complaint."""
    now = _now()

    def new() -> dict[str, Any]:
        done = registration.register_complaint(
            session, data=raw, actor=actor, directory=desk.directory(session), now=now, config=desk.config
        )
        out = asdict(done) | {"public_url": f"{desk.settings.public_base_url.rstrip('/')}/track/{done.tracking_number}"}
        return RegisteredOut.model_validate(out).model_dump(mode="json")

    answer, replayed = idempotency.once(session, sender or actor.name, key, new, now)
    return RegisteredOut.model_validate(answer), replayed


def act(
    session: Session, desk: ComplaintDesk, actor: Actor, tracking: str, action: str, body: ActionIn
) -> dict[str, Any]:
    done = actions.act(
        session,
        tracking=tracking,
        command=Command(action, body.note, body.params()),
        actor=actor,
        now=_now(),
        config=desk.config,
        expected_version=body.version,
        staff=UsersStaff(session),
        directory=desk.directory(session),
    )
    session.commit()
    return {
        "tracking_number": done.tracking_number,
        "status": done.status,
        "version": done.version,
        "event": asdict(done.event),
    }


def edit(
    session: Session, desk: ComplaintDesk, actor: Actor, tracking: str, version: int, changes: dict
) -> dict[str, Any]:
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


def detail(session: Session, desk: ComplaintDesk, actor: Actor, tracking: str) -> dict[str, Any]:
    return queries.detail(session, tracking, actor, now=_now(), config=desk.config)


def search(session: Session, actor: Actor, filters: SearchFilters, limit: int, offset: int) -> list[dict[str, Any]]:
    return queries.search(session, actor=actor, filters=filters, now=_now(), limit=limit, offset=offset)


def qc_queue(session: Session, actor: Actor) -> list[dict[str, Any]]:
    return queries.qc_queue(session, actor=actor)


def feedback_queue(session: Session, actor: Actor, appeals_only: bool, handled: bool) -> list[dict[str, Any]]:
    return feedback.feedback_queue(session, actor=actor, appeals_only=appeals_only, handled=handled)


def handle_feedback(session: Session, actor: Actor, feedback_id: int, note: str) -> dict[str, Any]:
    done = feedback.handle_feedback(session, feedback_id=feedback_id, actor=actor, note=note, now=_now())
    session.commit()
    return done


CITIZEN_WEB = Actor(kind="citizen", name="web")


def public_register(
    session: Session, desk: ComplaintDesk, raw: dict[str, Any], key: str | None = None, sender: str = "public"
) -> tuple[PublicRegisteredOut, bool]:
    """The citizen's own web form: no login, channel web, validated like every other registration."""
    out, replayed = register(session, desk, CITIZEN_WEB, {**raw, "channel": "web"}, key, sender)
    public = out.model_dump(include=set(PublicRegisteredOut.model_fields) - {"due_local"})
    return PublicRegisteredOut(**public, due_local=desk.config.local(out.due_at)), replayed


def duplicates(
    session: Session, desk: ComplaintDesk, category: str, lat: float | None, lon: float | None, phone: str | None
) -> list[dict[str, Any]]:
    from complaint_core.intake import normalise_phone
    from complaint_core.model import GeoPoint

    try:
        norm = normalise_phone(phone) if phone else None
    except ValueError as exc:
        raise InvalidInput([("phone", str(exc))]) from None
    point = GeoPoint(lat, lon) if lat is not None and lon is not None else None
    cfg = desk.config
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


def add_subscription(session: Session, actor: Actor, body: SubscriptionIn, desk: ComplaintDesk) -> dict[str, Any]:
    """Staff (within their scope) or citizens (owner "citizen") subscribe to new/resolved complaints. Anyone may
    type any address, so nothing is sent to it until its owner confirms with the link it is sent, staff too."""
    if actor.kind == "staff" and not can(
        actor, "subscribe", Target(town_id=body.town, department_id=actor.department_id)
    ):
        raise Forbidden(f"{actor.role} may not subscribe to complaints of {body.town or 'the whole city'}")
    now = _now()
    sub = subscribe(
        session,
        medium=body.medium,
        address=body.address,
        event=body.event,
        owner=actor.name,
        now=now,
        town_id=body.town,
        ward=body.ward,
        category_id=body.category,
        active=False,
    )
    if not sub.active:
        link = f"{desk.base_url}/subscriptions/confirm?t={sign(desk.settings, SUBSCRIPTION_PURPOSE, sub.id)}"
        enqueue(session, medium=sub.medium, to=sub.address, subject="Confirm your CCIS subscription",
                body=f"To hear of {sub.event} complaints from CCIS, confirm within {CONFIRM_HOURS} hours: {link} "
                     "(ignore this message if you did not ask).",
                reason="subscription_confirm", now=now)  # fmt: skip
    session.commit()
    return {
        "id": sub.id,
        "medium": sub.medium,
        "address": sub.address,
        "event": sub.event,
        "town_id": sub.town_id,
        "ward": sub.ward,
        "category_id": sub.category_id,
        "confirmed": sub.active,
    }


def confirm_subscription(session: Session, desk: ComplaintDesk, token: str) -> bool:
    """The owner followed the link sent to the address; False: forged, expired or gone."""
    try:
        sub_id = unsign(desk.settings, SUBSCRIPTION_PURPOSE, token, CONFIRM_HOURS * 3600)
    except ValueError:
        return False
    if not isinstance(sub_id, int) or notify.confirm_subscription(session, sub_id) is None:
        return False
    session.commit()
    return True


def public_status(
    session: Session, desk: ComplaintDesk, tracking: str, proof: str, with_report: bool = False
) -> dict[str, Any]:
    """``proof``: the tracking code or the whole phone number."""
    return queries.public_status(session, tracking, proof, now=_now(), config=desk.config, with_report=with_report)


def public_reopen(session: Session, desk: ComplaintDesk, tracking: str, proof: str, words: str) -> dict[str, Any]:
    queries.public_status(session, tracking, proof, config=desk.config)  # the caller proves to be the citizen
    status = feedback.citizen_reopen(
        session,
        tracking=tracking,
        words=words,
        now=_now(),
        config=desk.config,
        staff=UsersStaff(session),
        directory=desk.directory(session),
    )
    session.commit()
    return {"tracking_number": tracking.upper(), "status": status}


def feedback_token(desk: ComplaintDesk, tracking: str) -> str:
    """The signed part of the SMS feedback link."""
    return sign(desk.settings, FEEDBACK_PURPOSE, tracking.upper())


def public_feedback(session: Session, desk: ComplaintDesk, tracking: str, body: FeedbackIn) -> dict[str, Any]:
    if body.token:
        try:
            signed = unsign(desk.settings, FEEDBACK_PURPOSE, body.token, desk.settings.feedback_link_days * 86400)
        except ValueError as exc:
            raise InvalidInput([("token", str(exc))]) from None
        if signed != tracking.upper():
            raise InvalidInput([("token", "this link is for another complaint")])
        if not spend_link(session, FEEDBACK_PURPOSE, body.token, _now()):
            raise InvalidInput([("token", "this feedback link was already used")])
        via = "link"
    elif body.proof:
        queries.public_status(session, tracking, body.proof, config=desk.config)
        via = "web"
    else:
        raise InvalidInput([("code", "give the tracking code, the whole phone number or the link's token")])
    done = feedback.rate(session, tracking=tracking, rating=body.rating, comment=body.comment, via=via, now=_now())
    session.commit()
    return asdict(done)


def slip_data(session: Session, desk: ComplaintDesk, actor: Actor, tracking: str) -> dict[str, Any]:
    """What the counter slip prints: names, not ids, and times in the city's zone."""
    d = queries.detail(session, tracking, actor)
    cfg, directory = desk.config, desk.directory(session)
    d["public_url"] = f"{desk.settings.public_base_url.rstrip('/')}/track/{d['tracking_number']}"
    d["city"] = desk.city_name
    d["registered_local"], d["due_local"] = cfg.local(d["registered_at"]), cfg.local(d["due_at"])
    cat = directory.category(d["category_id"])
    parent = directory.category(d["parent_category_id"]) if d.get("parent_category_id") else None
    d["category_label"] = f"{parent.name} / {cat.name}" if parent and cat else (cat.name if cat else d["category_id"])
    dept = directory.department(d["department_id"])
    d["department_label"] = dept.name if dept else d["department_id"]
    town = directory.town(d["town_id"]) if d.get("town_id") else None
    d["town_label"] = town.name if town else (d.get("town_id") or "city-wide")
    d["channel_label"] = CHANNEL.get(d["channel"], d["channel"])
    d["status_label"] = STATUS.get(d["status"], d["status"])
    d["access_code"] = access_code(session, desk, tracking)
    return d


def access_code(session: Session, desk: ComplaintDesk, tracking: str) -> str:
    """The complaint's tracking code, for staff to read out or print for its citizen (after a visibility check)."""
    key = desk.config.code_key
    return tracking_code(key, get_row(session, tracking).id) if key else ""
