"""One inbound message, end to end: stored once (idempotent on the provider's id), a turn of the sender's stored
conversation, the action it asks for (register, status, rate), and the reply queued in the notification outbox,
all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from complaint_core.intake import Intake, normalise_phone
from complaint_core.model import Channel, ComplaintStatus, DomainError, GeoPoint, InvalidInput
from complaint_core.roles import Actor
from complaint_core.routing import Directory
from complaint_core.services.feedback import RATEABLE, rate
from complaint_core.services.lookups import ComplaintRecord, complaint
from complaint_core.services.notify import enqueue
from complaint_core.services.registration import register_complaint, registration_text
from noc_api.complaints.desk import ComplaintDesk
from noc_api.complaints.open311 import public_categories
from noc_api.complaints.open311_requests import NOTES
from noc_api.intake import conversation as talk
from noc_api.intake.models import Conversation, IntakeMessage

PROVIDERS = ("sms", "whatsapp", "chatbot")
# The complaint channel each line registers on (WhatsApp is a chatbot channel with its provider named).
CHANNELS = {"sms": Channel.SMS, "whatsapp": Channel.CHATBOT, "chatbot": Channel.CHATBOT}


@dataclass(frozen=True)
class Message:
    provider: str
    message_id: str
    sender: str
    text: str
    lat: float | None = None
    lon: float | None = None
    phone: str | None = None  # a chatbot may know the citizen's phone; SMS and WhatsApp senders are phones
    name: str | None = None


@dataclass(frozen=True)
class Handled:
    duplicate: bool
    state: str
    reply: str | None
    tracking_number: str | None = None


def menu_of(d: Directory) -> talk.Menu:
    cats = public_categories(d)
    towns = sorted(d.towns, key=lambda t: t.name)
    return talk.Menu(
        categories=tuple(talk.Choice(c.id, c.name) for c in sorted(cats, key=lambda c: c.name) if c.parent_id is None),
        sub_categories=tuple(talk.Choice(c.id, c.name) for c in cats if c.parent_id is not None),
        towns=tuple(talk.Choice(t.id, t.name) for t in towns),
        wards=tuple((w, t.id) for t in towns for w in t.wards),
    )


def _phone(desk: ComplaintDesk, msg: Message) -> str | None:
    raw = msg.phone or (msg.sender if msg.provider in ("sms", "whatsapp") else None)
    if not raw:
        return None
    try:
        return normalise_phone(raw, desk.config.phone_region)
    except ValueError:
        return None


def _conversation(session: Session, msg: Message, now: datetime, idle_hours: float) -> Conversation:
    stmt = select(Conversation).where(Conversation.provider == msg.provider, Conversation.sender == msg.sender)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two messages of one sender take turns
    conv = session.execute(stmt).scalar_one_or_none()
    if conv is None:
        conv = Conversation(provider=msg.provider, sender=msg.sender, state=talk.IDLE, data={}, updated_at=now)
        session.add(conv)
    elif now - conv.updated_at > timedelta(hours=idle_hours):
        conv.state, conv.data = talk.IDLE, {}  # a conversation left for a day starts over
    return conv


def _register(session: Session, desk: ComplaintDesk, msg: Message, args: dict[str, Any], now: datetime) -> tuple:
    d = desk.directory(session)
    ref = "message_ref" if CHANNELS[msg.provider] is Channel.SMS else "conversation_ref"
    point = GeoPoint(args["lat"], args["lon"]) if "lat" in args else None
    phone = _phone(desk, msg)
    done = register_complaint(
        session,
        data=Intake(
            channel=CHANNELS[msg.provider],
            category_id=args["category"],
            description=args["description"],
            citizen_name=(msg.name or "").strip()[:200] or None,
            phone=phone,
            town_id=args.get("town"),
            ward=args.get("ward"),
            point=point,
            channel_data={ref: msg.message_id, "provider": msg.provider, "sender": msg.sender},
        ),
        actor=Actor.system(f"intake:{msg.provider}"),
        directory=d,
        now=now,
        config=desk.config,
    )
    cat = d.category(done.category)
    name = cat.name if cat else done.category
    text = registration_text(done.tracking_number, name, desk.config.local(done.due_at), done.access_code)
    # An SMS citizen already gets this text as the registration SMS: no second copy.
    reply = None if (msg.provider == "sms" and phone) else text
    return done.tracking_number, done.id, reply, text


def _status(session: Session, number: str) -> tuple[ComplaintRecord | None, str, bool]:
    row = complaint(session, number.upper(), public_only=True)
    if row is None:
        return None, talk.status_text(number, None, None, False), False
    rateable = ComplaintStatus(row.status) in RATEABLE and row.rating is None
    label = NOTES.get(row.status, row.status).rstrip(".")
    return row, talk.status_text(row.tracking_number, label, row.due_at, rateable), rateable


def _rate(session: Session, desk: ComplaintDesk, msg: Message, args: dict[str, Any], now: datetime) -> str:
    row = complaint(session, args["tracking"])
    if row is None:
        return f"No complaint {args['tracking']} was found."
    if not row.phone or row.phone != _phone(desk, msg):
        return f"Only the phone that lodged complaint {row.tracking_number} can rate it."
    try:
        done = rate(
            session,
            tracking=row.tracking_number,
            rating=args["rating"],
            comment=args["comment"],
            via=msg.provider,
            now=now,
        )
    except (DomainError, InvalidInput) as exc:
        return str(exc)
    tail = " An officer will look into it again." if done.appeal else ""
    return f"Thank you: your rating {done.rating}/5 for {done.tracking_number} is recorded.{tail}"


def handle(session: Session, desk: ComplaintDesk, msg: Message, now: datetime) -> Handled:
    """Process one inbound message and commit; a message id seen before changes nothing."""
    stored = IntakeMessage(
        provider=msg.provider, message_id=msg.message_id, sender=msg.sender, text=msg.text, received_at=now
    )
    session.add(stored)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return Handled(True, "", None)
    conv = _conversation(session, msg, now, desk.settings.intake_conversation_hours)
    turn = talk.step(
        conv.state, dict(conv.data or {}), talk.Inbound(msg.text, msg.lat, msg.lon), menu_of(desk.directory(session))
    )
    state, data, reply = turn.state, turn.data, turn.reply
    complaint_id = tracking = None
    if turn.action is not None and turn.action.kind == "register":
        try:
            tracking, complaint_id, reply, stored.reply = _register(session, desk, msg, turn.action.args, now)
        except InvalidInput as exc:
            state, data = talk.IDLE, {}
            reply = "Sorry, the complaint could not be registered (" + str(exc) + "). Send a message to start again."
    elif turn.action is not None and turn.action.kind == "status":
        row, reply, rateable = _status(session, turn.action.args["tracking"])
        if row is not None:
            complaint_id = row.id
            if rateable and conv.state == talk.IDLE:  # the next digit is the rating
                state, data = talk.RATING, {"tracking": row.tracking_number}
    elif turn.action is not None and turn.action.kind == "rate":
        reply = _rate(session, desk, msg, turn.action.args, now)
    conv.state, conv.data, conv.updated_at = state, data, now
    stored.tracking_number = tracking
    if reply:
        stored.reply = reply
        enqueue(
            session,
            medium=msg.provider,
            to=msg.sender,
            body=reply,
            reason="intake_reply",
            now=now,
            complaint_id=complaint_id,
            source="intake",
        )
    session.commit()
    return Handled(False, state, stored.reply, tracking)
