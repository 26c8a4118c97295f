"""Finding complaints: one complaint, scoped search with full text, the QC queue, the public status view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from complaint_core.access import proves
from complaint_core.adapters.orm import Attachment, ComplaintEvent, ComplaintRow
from complaint_core.adapters.repo import get_row, history, state_of, target_of
from complaint_core.config import CoreConfig
from complaint_core.intake import normalise_phone
from complaint_core.lifecycle import allowed_actions
from complaint_core.model import ComplaintStatus, Forbidden, InvalidInput, NotFound, StatusKind
from complaint_core.policy import Target, can, view_filter
from complaint_core.roles import Actor
from complaint_core.services.actions import load_visible
from complaint_core.services.announce import REJECT_WORDS

SUMMARY = (
    "tracking_number",
    "status",
    "kind",
    "channel",
    "priority",
    "category_id",
    "department_id",
    "town_id",
    "ward",
    "assignee",
    "registered_at",
    "due_at",
    "escalation_level",
    "call_ref",
    "site_id",
    "version",
)


def summary(row: ComplaintRow) -> dict[str, Any]:
    return {k: getattr(row, k) for k in SUMMARY}


def detail(
    session: Session, tracking: str, actor: Actor, *, now: datetime | None = None, config: CoreConfig | None = None
) -> dict[str, Any]:
    """Everything about one complaint the actor may see, with its history and the moves the actor can make."""
    row = load_visible(session, tracking, actor)
    out = {c.key: getattr(row, c.key) for c in ComplaintRow.__table__.columns if c.key != "id"}
    out["history"] = [event_dict(e) for e in history(session, row.id)]
    out["attachments"] = [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "purpose": a.purpose,
            "sha256": a.sha256,
        }
        for a in session.execute(select(Attachment).where(Attachment.complaint_id == row.id)).scalars()
    ]
    state = state_of(row, config.reopen_after_close if config else None)
    out["allowed_actions"] = [a for a in allowed_actions(state, now) if can(actor, a, target_of(row))]
    return out


def event_dict(e: ComplaintEvent) -> dict[str, Any]:
    return {
        "at": e.at,
        "action": e.action,
        "actor": e.actor,
        "role": e.role,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "data": e.data,
    }


@dataclass(frozen=True)
class SearchFilters:
    tracking_number: str | None = None
    phone: str | None = None
    cnic: str | None = None
    text: str | None = None
    town_id: str | None = None
    department_id: str | None = None
    category_id: str | None = None
    status: tuple[str, ...] = ()
    kind: str | None = None
    registered_from: datetime | None = None
    registered_to: datetime | None = None
    overdue: bool = False
    assignee: str | None = None
    channel: str | None = None
    call_ref: str | None = None  # the 1339 call recording's reference
    ward: str | None = None
    unassigned: bool = False  # open and given to nobody yet


COMMON_TERM_DOCS = 2000  # above this many matching complaints, check candidates one by one instead


def _text_condition(session: Session, q: str, narrowed: bool):  # noqa: ANN202
    """Full-text condition: PostgreSQL GIN on to_tsvector; SQLite FTS5, with the plan chosen by term frequency."""
    if session.get_bind().dialect.name == "postgresql":
        return text("to_tsvector('simple', complaints.description) @@ plainto_tsquery('simple', :q)").bindparams(q=q)
    words = q.split()
    # FTS5: quote each word so user input is never parsed as FTS syntax.
    terms = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    if narrowed and all(w.isalnum() for w in words):
        # A queue already narrowed (town, department...) and walked in order: when every word is common, checking
        # each candidate against the index beats collecting every match first (see bench/bench_queue_search.py).
        counts = session.execute(
            text("SELECT term, doc FROM complaints_fts_vocab WHERE term IN :t").bindparams(
                bindparam("t", expanding=True)
            ),
            {"t": [w.lower() for w in words]},
        ).all()
        if len(counts) == len(set(w.lower() for w in words)) and min(c for _, c in counts) > COMMON_TERM_DOCS:
            return text(
                "EXISTS (SELECT 1 FROM complaints_fts WHERE complaints_fts MATCH :q"
                " AND complaints_fts.rowid = complaints.id)"
            ).bindparams(q=terms)
    return ComplaintRow.id.in_(
        text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :q").bindparams(q=terms)
    )


def _scope_condition(actor: Actor) -> ColumnElement[bool] | None:
    """The WHERE clause of what ``actor`` may see (None: everything); Forbidden when they may see nothing."""
    scope = view_filter(actor)
    if scope is None:
        return None
    alts = [and_(*[getattr(ComplaintRow, k) == v for k, v in alt.items()]) for alt in scope["any"]]
    if not alts:
        raise Forbidden(f"{actor.role or actor.kind} may not search complaints")
    return or_(*alts)


def arrivals(
    session: Session, *, actor: Actor, after_id: int | None, limit: int = 20
) -> tuple[int, list[dict[str, Any]]]:
    """Complaints registered after row ``after_id`` that ``actor`` may see, oldest first, and the new mark.

    With ``after_id`` None only the mark (the newest row now) is answered: a live page starts from there. Rows
    outside the actor's scope move the mark on but are never answered."""
    scope = _scope_condition(actor)
    if after_id is None:
        return session.execute(select(func.coalesce(func.max(ComplaintRow.id), 0))).scalar_one(), []
    stmt = select(ComplaintRow).where(ComplaintRow.id > after_id).order_by(ComplaintRow.id).limit(limit)
    rows = list(session.execute(stmt).scalars())
    if not rows:
        return after_id, []
    mark = rows[-1].id
    if scope is not None:
        ids = [r.id for r in rows]
        allowed = set(session.execute(select(ComplaintRow.id).where(ComplaintRow.id.in_(ids), scope)).scalars())
        rows = [r for r in rows if r.id in allowed]
    return mark, [{**summary(r), "id": r.id} for r in rows]


def search(
    session: Session, *, actor: Actor, filters: SearchFilters, now: datetime, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """A page of complaints matching ``filters`` within the actor's scope, most urgent first."""
    f = filters
    conds: list[Any] = []
    scope = view_filter(actor)
    if scope is not None:
        conds.append(_scope_condition(actor))
    if f.tracking_number:
        conds.append(ComplaintRow.tracking_number == f.tracking_number.strip().upper())
    if f.phone:
        try:
            conds.append(ComplaintRow.phone == normalise_phone(f.phone))
        except ValueError as exc:
            raise InvalidInput([("phone", str(exc))]) from None
    if f.cnic:
        conds.append(ComplaintRow.cnic == f.cnic)
    for col, val in (
        ("town_id", f.town_id),
        ("department_id", f.department_id),
        ("assignee", f.assignee),
        ("channel", f.channel),
        ("kind", f.kind),
        ("call_ref", (f.call_ref or "").strip()),
        ("ward", f.ward),
    ):
        if val:
            conds.append(getattr(ComplaintRow, col) == val)
    if f.unassigned:
        conds.append(ComplaintRow.assignee.is_(None))
    if f.category_id:
        conds.append(or_(ComplaintRow.category_id == f.category_id, ComplaintRow.parent_category_id == f.category_id))
    if f.status:
        bad = [s for s in f.status if s not in {x.value for x in ComplaintStatus}]
        if bad:
            raise InvalidInput([("status", f"unknown status {', '.join(bad)}")])
        conds.append(ComplaintRow.status.in_(f.status))
    if f.registered_from:
        conds.append(ComplaintRow.registered_at >= f.registered_from)
    if f.registered_to:
        conds.append(ComplaintRow.registered_at < f.registered_to)
    if f.overdue:
        conds.append(and_(ComplaintRow.kind == StatusKind.OPEN.value, ComplaintRow.due_at < now))
    if f.text and f.text.strip():
        narrowed = any((f.town_id, f.department_id, f.assignee, scope is not None))
        conds.append(_text_condition(session, f.text.strip(), narrowed))
    order = [ComplaintRow.due_at, ComplaintRow.id] if (f.kind == "open" or f.overdue) else [ComplaintRow.id.desc()]
    stmt = select(ComplaintRow).where(*conds).order_by(*order).limit(min(limit, 200)).offset(offset)
    return [summary(r) for r in session.execute(stmt).scalars()]


def qc_queue(session: Session, *, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """Resolved complaints sampled for a QC call-back, oldest resolution first."""
    if not can(actor, "qc_queue", Target()):
        raise Forbidden(f"{actor.role or actor.kind} has no QC queue")
    stmt = (
        select(ComplaintRow)
        .where(ComplaintRow.status == ComplaintStatus.RESOLVED.value, ComplaintRow.qc_required.is_(True))
        .order_by(ComplaintRow.resolved_at)
        .limit(limit)
    )
    return [summary(r) | {"phone": r.phone, "citizen_name": r.citizen_name} for r in session.execute(stmt).scalars()]


NO_MATCH = "no complaint with that number and code or phone"


def public_status(
    session: Session,
    tracking: str,
    proof: str,
    *,
    now: datetime | None = None,
    config: CoreConfig | None = None,
    with_report: bool = False,
) -> dict[str, Any]:
    """What a citizen sees without login: states, dates and promised date; no personal data.

    ``proof`` is the complaint's tracking code or its whole phone number (complaint_core.access); anything else is
    NotFound, the same answer as for a number that does not exist, so numbers cannot be probed. ``with_report``
    adds the description the citizen gave (the tracking page shows it back; the JSON API does not).
    """
    cfg = config or CoreConfig()
    try:
        row = get_row(session, tracking)
    except NotFound:
        raise NotFound(NO_MATCH) from None
    if not proves(proof, key=cfg.code_key, complaint_id=row.id, phone=row.phone):
        raise NotFound(NO_MATCH)
    view = public_view(session, row, now=now, config=cfg)
    if with_report:
        view["description"] = row.description
    return view


PUBLIC_ACTIONS_HIDDEN = {"edit", "note", "qc_call"}  # staff-only lines (a public note is shown as a reason)


def _reason(e: ComplaintEvent, cfg: CoreConfig) -> dict[str, Any] | None:
    """What a citizen is told about one history line: why it was rejected or delayed, or a public note."""
    data = e.data or {}
    if e.action == "reject":
        words = REJECT_WORDS.get(data.get("reason", ""), "it could not be acted on")
        text = "Closed without action: " + words.format(duplicate_of=data.get("duplicate_of"))
        return {"kind": "rejection", "reason": data.get("reason"), "text": text + (f". {e.note}" if e.note else ".")}
    if e.action == "escalate":
        level = data.get("level")
        return {"kind": "delay", "text": f"Past the promised date: escalated to level {level}."}
    if e.action == "remark":
        return {"kind": "transfer", "text": e.note}
    if e.action == "note" and data.get("delay"):
        return {"kind": "delay", "text": e.note}
    if data.get("public") and e.note:
        return {"kind": "note", "text": e.note}
    return None


def public_view(
    session: Session, row: ComplaintRow, *, now: datetime | None = None, config: CoreConfig | None = None
) -> dict[str, Any]:
    """The citizen's view: states and dates in the city's zone, and the reasons given (no personal data)."""
    cfg = config or CoreConfig()
    zone = ZoneInfo(cfg.tz)
    status = ComplaintStatus(row.status)
    events = history(session, row.id)

    def local(at: datetime | None) -> datetime | None:
        return at.astimezone(zone) if at else None

    reasons = []
    for e in events:
        r = _reason(e, cfg)
        if r is not None:
            reasons.append({"at": local(e.at), **r})
    return {
        "tracking_number": row.tracking_number,
        "status": row.status,
        "kind": status.kind.value,
        "category_id": row.category_id,
        "parent_category_id": row.parent_category_id,
        "town_id": row.town_id,
        "ward": row.ward,
        "department_id": row.department_id,
        "registered_at": local(row.registered_at),
        "due_at": local(row.due_at),
        "resolved_at": local(row.resolved_at),
        "time_zone": cfg.tz,
        "can_reopen": "reopen" in allowed_actions(state_of(row, cfg.reopen_after_close), now),
        "can_rate": status in (ComplaintStatus.RESOLVED, ComplaintStatus.VERIFIED, ComplaintStatus.CLOSED),
        "rating": row.rating,
        "reasons": reasons,
        "history": [
            {"at": local(e.at), "status": e.to_status, "action": e.action}
            for e in events
            if e.action not in PUBLIC_ACTIONS_HIDDEN
        ],
    }


def count_open(session: Session) -> int:
    return session.execute(select(func.count()).where(ComplaintRow.kind == StatusKind.OPEN.value)).scalar_one()
