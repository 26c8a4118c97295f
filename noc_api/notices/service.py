"""Area notices and their subscribers: publish, withdraw, list the current ones, queue each notice once for its
confirmed subscribers (through the one outbox), and subscriptions confirmed by a code sent to the address."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from complaint_core.services.notify import enqueue
from noc_api.db.notice_models import AreaNotice, NoticeSubscription

SOURCE = "notice"  # the outbox source of every message sent here
KINDS = ("water_cut", "road_closure", "counter_closed", "channel_down", "other")
CODE_MINUTES = 30
MAX_WRONG_CODES = 5
PHONE = re.compile(r"^\+?[0-9]{10,15}$")
MAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NoticeError(ValueError):
    """A notice or subscription that cannot be accepted; the message says why (a 4xx)."""


@dataclass(frozen=True)
class Area:
    """The towns and wards notices may name (from the inventory)."""

    wards: dict[str, tuple[str, ...]]  # town id -> its wards
    names: dict[str, str]  # town id -> name

    def check(self, town_id: str | None, ward: str | None) -> None:
        if town_id is None:
            if ward:
                raise NoticeError("a ward needs its town")
            return
        if town_id not in self.wards:
            raise NoticeError(f"unknown town {town_id!r}")
        if ward and ward not in self.wards[town_id]:
            raise NoticeError(f"{ward!r} is not a ward of {self.names[town_id]}")


def notice_dict(n: AreaNotice) -> dict:
    return {
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "town_id": n.town_id,
        "ward": n.ward,
        "starts_at": n.starts_at.isoformat(),
        "ends_at": n.ends_at.isoformat() if n.ends_at else None,
        "automatic": n.auto_key is not None,
        "withdrawn_at": n.withdrawn_at.isoformat() if n.withdrawn_at else None,
    }


def publish(
    session: Session,
    area: Area,
    *,
    kind: str,
    title: str,
    body: str,
    town_id: str | None,
    ward: str | None,
    starts_at: datetime,
    ends_at: datetime | None,
    by: str,
    now: datetime,
    auto_key: str | None = None,
) -> AreaNotice:
    """Record a notice; when it is already valid its subscribers' messages are queued in the same transaction."""
    if kind not in KINDS:
        raise NoticeError(f"kind must be one of {', '.join(KINDS)}")
    area.check(town_id, ward or None)
    if ends_at is not None and ends_at <= starts_at:
        raise NoticeError("ends_at must be after starts_at")
    if ends_at is not None and ends_at <= now:
        raise NoticeError("the notice would already be over")
    n = AreaNotice(
        kind=kind, title=title.strip(), body=body.strip(), town_id=town_id, ward=ward or None, starts_at=starts_at,
        ends_at=ends_at, created_by=by, created_at=now, auto_key=auto_key,
    )  # fmt: skip
    session.add(n)
    session.flush()
    if starts_at <= now:
        fan_out(session, n, now)
    return n


def withdraw(session: Session, notice_id: int, by: str, now: datetime) -> AreaNotice | None:
    """End a notice now (None when there is none); nothing more is sent for it."""
    n = session.get(AreaNotice, notice_id)
    if n is None:
        return None
    if n.withdrawn_at is None:
        n.withdrawn_at, n.withdrawn_by = now, by
    return n


def _current(now: datetime):  # noqa: ANN202
    return (
        AreaNotice.withdrawn_at.is_(None),
        AreaNotice.starts_at <= now,
        or_(AreaNotice.ends_at.is_(None), AreaNotice.ends_at > now),
    )


def current(session: Session, now: datetime, town_id: str | None = None) -> list[dict]:
    """Notices valid now, newest first (``town_id``: that town's and the city-wide ones)."""
    q = select(AreaNotice).where(*_current(now)).order_by(AreaNotice.starts_at.desc(), AreaNotice.id.desc())
    if town_id:
        q = q.where(or_(AreaNotice.town_id.is_(None), AreaNotice.town_id == town_id))
    return [notice_dict(n) for n in session.scalars(q.limit(200))]


def listing(session: Session, since: datetime) -> list[dict]:
    """Every notice that was valid after ``since`` (withdrawn ones too), newest first: for staff."""
    q = (
        select(AreaNotice)
        .where(or_(AreaNotice.ends_at.is_(None), AreaNotice.ends_at > since))
        .order_by(AreaNotice.id.desc())
        .limit(500)
    )
    return [notice_dict(n) for n in session.scalars(q)]


def fan_out(session: Session, n: AreaNotice, now: datetime) -> int:
    """Queue the notice for every confirmed subscriber of its town and ward (the city-wide ones reach all); once."""
    if n.fanned_out_at is not None:
        return 0
    q = select(NoticeSubscription).where(
        NoticeSubscription.active.is_(True), NoticeSubscription.confirmed_at.is_not(None)
    )
    if n.town_id is not None:
        q = q.where(or_(NoticeSubscription.town_id.is_(None), NoticeSubscription.town_id == n.town_id))
        if n.ward:
            q = q.where(or_(NoticeSubscription.ward.is_(None), NoticeSubscription.ward == n.ward))
    text = n.body if n.body.startswith(n.title) else f"{n.title}: {n.body}" if n.body else n.title
    count = 0
    for sub in session.scalars(q):
        enqueue(session, medium=sub.medium, to=sub.address, subject=f"Notice: {n.title}", body=text,
                reason="notice", now=now, source=SOURCE)  # fmt: skip
        count += 1
    n.fanned_out_at = now
    return count


def fan_out_due(session: Session, now: datetime) -> int:
    """Notices whose time has come and that were not sent yet (published ahead): queue them."""
    due = session.scalars(select(AreaNotice).where(*_current(now), AreaNotice.fanned_out_at.is_(None)))
    return sum(fan_out(session, n, now) for n in list(due))


# -- subscriptions ----------------------------------------------------------------------------------------------


def normal_address(medium: str, address: str) -> str:
    """The address as stored (digits of a phone, a lower-case mail), or NoticeError."""
    raw = address.strip()
    if medium == "sms":
        phone = re.sub(r"[\s()-]", "", raw)
        if not PHONE.match(phone):
            raise NoticeError("give a mobile number of 10 to 15 digits")
        return phone
    if medium == "email":
        if not MAIL.match(raw) or len(raw) > 300:
            raise NoticeError("give a mail address such as name@example.com")
        return raw.lower()
    raise NoticeError("medium must be sms or email")


def _digest(key: str, sub_id: int, code: str) -> str:
    return hmac.new(key.encode(), f"{sub_id}:{code}".encode(), hashlib.sha256).hexdigest()


def request_subscription(
    session: Session,
    area: Area,
    key: str,
    *,
    medium: str,
    address: str,
    town_id: str | None,
    ward: str | None,
    now: datetime,
) -> NoticeSubscription:
    """Record an unconfirmed subscription and send its code (a new code replaces an old one)."""
    addr = normal_address(medium, address)
    area.check(town_id, ward or None)
    sub = session.scalars(
        select(NoticeSubscription).where(
            NoticeSubscription.medium == medium,
            NoticeSubscription.address == addr,
            NoticeSubscription.town_id.is_(None) if town_id is None else NoticeSubscription.town_id == town_id,
            NoticeSubscription.ward.is_(None) if not ward else NoticeSubscription.ward == ward,
        )
    ).first()
    if sub is None:
        sub = NoticeSubscription(medium=medium, address=addr, town_id=town_id, ward=ward or None, code_hash="",
                                 code_expires_at=now, created_at=now, wrong_codes=0, active=True)  # fmt: skip
        session.add(sub)
        session.flush()
    code = f"{secrets.randbelow(1_000_000):06d}"
    sub.code_hash, sub.code_expires_at, sub.wrong_codes = _digest(key, sub.id, code), now + timedelta(minutes=30), 0
    where = area.names.get(town_id or "", "the whole city") + (f", {ward}" if ward else "")
    text = f"Your code for CCIS notices for {where} is {code}. It is valid for {CODE_MINUTES} minutes."
    enqueue(session, medium=medium, to=addr, subject="Confirm your CCIS notices", body=text,
            reason="notice_code", now=now, source=SOURCE)  # fmt: skip
    return sub


def confirm_subscription(
    session: Session, key: str, *, medium: str, address: str, code: str, now: datetime
) -> list[NoticeSubscription]:
    """Confirm the address's pending subscriptions whose code matches (none: a wrong or expired code, counted)."""
    addr = normal_address(medium, address)
    pending = session.scalars(
        select(NoticeSubscription).where(
            NoticeSubscription.medium == medium,
            NoticeSubscription.address == addr,
            NoticeSubscription.confirmed_at.is_(None),
        )
    ).all()
    done = []
    for sub in pending:
        if sub.wrong_codes >= MAX_WRONG_CODES or sub.code_expires_at <= now:
            continue
        if hmac.compare_digest(sub.code_hash, _digest(key, sub.id, code.strip())):
            sub.confirmed_at = now
            done.append(sub)
        else:
            sub.wrong_codes += 1
    return done


def unsubscribe(session: Session, *, medium: str, address: str) -> int:
    """Stop every notice to this address; how many subscriptions ended."""
    addr = normal_address(medium, address)
    subs = session.scalars(
        select(NoticeSubscription).where(
            NoticeSubscription.medium == medium,
            NoticeSubscription.address == addr,
            NoticeSubscription.active.is_(True),
        )
    ).all()
    for sub in subs:
        sub.active = False
    return len(subs)
