"""The figures the MIS, QC and uptime reports read of complaints, in plain values: the period's "cube" as of its
end (with what the history of complaints acted on after the end corrects), resolution durations, QC calls,
ratings and appeals, sub-category counts and arrivals per quarter hour. Aggregated by the database; the reports
sum, name and render them without knowing the complaint tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, or_, select, text
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow, Feedback, QcCall
from complaint_core.model import INTERNAL_CHANNELS, ComplaintStatus

C = ComplaintRow.__table__.c
E = ComplaintEvent.__table__.c
# Spelled out, not bound, so the planner can use the partial indexes ix_complaints_rejected and _reopened.
REJECTED = text("complaints.status = 'rejected'")
REOPENED = text("complaints.reopen_count > 0")

# The cube's grouping keys, in the order its cells index them.
KEYS = ("town_id", "department_id", "category_id", "channel", "assignee", "ward")
# The backlog's age buckets: (from, to days since registration, label); the last is open-ended.
AGING = [(0, 3, "0-3 days"), (4, 7, "4-7 days"), (8, 15, "8-15 days"), (16, 30, "16-30 days"), (31, None, "> 30 days")]


def _seconds_between(session: Session, later, earlier):  # noqa: ANN001, ANN202
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def ended_at():  # noqa: ANN201
    """When the row says the complaint left the open states: its resolution, or its rejection."""
    return case((REJECTED, C.closed_at), else_=C.resolved_at)


def _ages(as_of: datetime) -> list[Any]:
    return [
        func.count()
        .filter(
            and_(
                C.registered_at <= as_of - timedelta(days=lo),
                *([C.registered_at > as_of - timedelta(days=hi + 1)] if hi is not None else []),
            )
        )
        .label(f"age{i}")
        for i, (lo, hi, _) in enumerate(AGING)
    ]


def _age_bucket(registered_at: datetime, as_of: datetime) -> int:
    """The AGING bucket the SQL above puts a complaint in."""
    for i, (lo, hi, _) in enumerate(AGING):
        if registered_at <= as_of - timedelta(days=lo) and (
            hi is None or registered_at > as_of - timedelta(days=hi + 1)
        ):
            return i
    return -1


def cube(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    backlog: bool = True,
    by: tuple[str, ...] = KEYS,
    late: Late | None = None,
) -> list[Any]:
    """Counts per (town, department, category, channel, officer, ward) for [start, end), as of its end, so a
    period reads the same whenever it is asked: the flow (registered, resolved, rejected in it), and the backlog
    at its end (open then, whatever happened since: still open, or resolved or rejected after the end), with its
    age buckets. Every breakdown is summed from it in Python. ``by`` narrows the grouping (a city total needs only
    the channel, to tell internal tickets apart); the keys left out read as None. ``late`` is what the history
    of complaints reopened or moved after the end corrects (``late_history``; computed here when not given)."""
    as_of = min(end, now)
    in_period = and_(C.registered_at >= start, C.registered_at < end)
    resolved_in = and_(C.resolved_at >= start, C.resolved_at < end)
    secs = _seconds_between(session, C.resolved_at, C.registered_at)
    keys = [getattr(C, k) for k in by]
    counts = select(
        *keys,
        func.count().filter(in_period).label("received"),
        func.count().filter(resolved_in).label("resolved"),
        func.count().filter(and_(resolved_in, C.resolved_at <= C.due_at)).label("on_time"),
        func.count().filter(and_(in_period, C.reopen_count > 0)).label("reopened"),
        func.sum(case((resolved_in, cast(secs, Float)), else_=0.0)).label("seconds"),
    ).group_by(*keys)
    # The flow is registered in the period, or resolved in it having been registered before: two disjoint index
    # ranges (registered_at; the covering ix_complaints_resolved_at). Their OR in one WHERE made PostgreSQL scan
    # the whole table.
    flows = [counts.where(in_period), counts.where(resolved_in, C.registered_at < start)]
    # Rejections count in the period they were made, not in the one the complaint was registered in.
    rejections = (
        select(*keys, func.count().label("rejected"))
        .where(REJECTED, C.closed_at >= start, C.closed_at < end)
        .group_by(*keys)
    )
    # The backlog at the end: open now (read from the covering index ix_complaints_backlog alone) ...
    open_backlog = (
        select(*keys, func.count().label("pending"), func.count().filter(C.due_at < as_of).label("overdue"))
        .add_columns(*_ages(as_of))
        .where(C.kind == "open", C.registered_at < as_of)
        .group_by(*keys)
    )
    # ... and those resolved or rejected since: they were pending (and perhaps overdue) at the end (the first from
    # the covering index ix_complaints_resolved_at, the second from the few rejected).
    ended_since = [
        select(*keys, func.count().label("pending"), func.count().filter(C.due_at < as_of).label("overdue"))
        .add_columns(*_ages(as_of))
        .where(C.registered_at < as_of, since)
        .group_by(*keys)
        for since in (C.resolved_at >= as_of, and_(REJECTED, C.closed_at >= as_of))
    ]
    rows: dict[tuple, dict[str, Any]] = {}
    queries = [*flows, rejections, *([open_backlog, *ended_since] if backlog else [])]
    for q in queries:
        for r in session.execute(q).all():
            _add(rows, by, dict(r._mapping))
    if late is None:
        late = late_history(session, start=start, end=end, now=now)
    for delta in late.deltas:
        _add(rows, by, delta if backlog else {k: v for k, v in delta.items() if k not in BACKLOG})
    return [Cell(v) for v in rows.values()]


def _add(rows: dict[tuple, dict[str, Any]], by: tuple[str, ...], values: dict[str, Any]) -> None:
    key = tuple(values.get(k) for k in by)
    acc = rows.get(key)
    if acc is None:
        acc = rows[key] = dict(zip(by, key, strict=True))
    for name, v in values.items():
        if name not in KEYS and v:
            acc[name] = acc.get(name, 0) + v


BACKLOG = frozenset({"pending", "overdue", *(f"age{i}" for i in range(len(AGING)))})


class Late:
    """What the events of complaints reopened or moved after a period's end change in that period's figures: count
    deltas per group (dicts of KEYS and counts) and the resolutions the rows no longer show or show elsewhere
    (KEYS..., seconds)."""

    def __init__(self, deltas: list[dict[str, Any]], spans: list[tuple]) -> None:
        self.deltas = deltas
        self.spans = spans
        self.respanned: list[int] = []  # complaints whose row resolution ``spans`` carries where it was made


REOPENING = frozenset({"reopened", "escalated"})
MOVABLE = ("town_id", "department_id", "category_id", "assignee", "ward")  # the keys an action may change


def late_history(session: Session, *, start: datetime, end: datetime, now: datetime) -> Late:
    """What the row alone cannot say of a period that has ended, read from the history of the few complaints it
    concerns (registered before the end, and acted on after it):

    - reopened since: a reopening clears the row's resolution time, so the row cannot say that the complaint was
      resolved (not pending) at the end, nor that it was resolved within the period: the last status at or before
      the end says it;
    - moved since (``moved_at``): the row names today's officer, town, department, category, ward and due date;
      the events that moved them say what they were, so the period counts the complaint where it stood at the
      end (received, backlog, overdue against the due date of then), its resolution under the officer who
      resolved it, and its rejection where it was rejected.
    """
    as_of = min(end, now)
    if as_of >= now:
        return Late([], [])  # nothing can have happened after the end yet
    cols = [C.id, *[getattr(C, k) for k in KEYS], C.registered_at, C.due_at, C.resolved_at, C.closed_at]
    cols += [C.status, C.kind, C.reopen_count]
    reopened = select(*cols).where(REOPENED, C.registered_at < as_of, or_(C.kind == "open", ended_at() >= as_of))
    moved = select(*cols).where(C.moved_at >= as_of, C.registered_at < as_of)  # ix_complaints_moved
    candidates = {c.id: c for q in (reopened, moved) for c in session.execute(q)}
    if not candidates:
        return Late([], [])
    history: dict[int, list[Any]] = defaultdict(list)
    ids = list(candidates)
    for i in range(0, len(ids), 2000):
        stmt = (
            select(E.complaint_id, E.at, E.action, E.from_status, E.to_status, E.data)
            .where(E.complaint_id.in_(ids[i : i + 2000]), E.to_status.is_not(None))
            .order_by(E.complaint_id, E.at, E.id)
        )
        for e in session.execute(stmt):
            history[e.complaint_id].append(e)
    late = Late([], [])
    for c in candidates.values():
        _correct(late, c, history.get(c.id, []), start=start, end=end, as_of=as_of)
    return late


def _correct(late: Late, c: Any, events: list[Any], *, start: datetime, end: datetime, as_of: datetime) -> None:  # noqa: ANN401
    """Add to ``late`` what one complaint's history changes in the period's figures."""
    deltas, spans = late.deltas, late.spans
    n = sum(1 for e in events if e.at < as_of)
    before, after = events[:n], events[n:]
    row_keys = {k: getattr(c, k) for k in KEYS}
    keys, due = _keys(events, n, c), _due(events, n, c.due_at)
    counted = _row_counts(c, start=start, end=end, as_of=as_of)
    if counted and (keys != row_keys or due != c.due_at):
        # The row counts it where it stands today: move each count to where it stood when it was made.
        deltas.append({**row_keys, **{k: -v for k, v in counted.items()}})
        then = {k: v for k, v in counted.items() if k not in ("overdue", "resolved", "on_time", "seconds", "rejected")}
        if "pending" in counted and due < as_of:
            then["overdue"] = 1
        deltas.append({**keys, **then})
        if "resolved" in counted:  # resolved in the period (nothing moves it until a reopening clears the row)
            i = sum(1 for e in events if e.at <= c.resolved_at)
            by = _keys(events, i, c)
            on_time = int(c.resolved_at <= _due(events, i, c.due_at))
            deltas.append({**by, "resolved": 1, "on_time": on_time, "seconds": counted["seconds"]})
            late.respanned.append(c.id)
            spans.append((*by.values(), counted["seconds"]))
        if "rejected" in counted:
            deltas.append({**_keys(events, sum(1 for e in events if e.at <= c.closed_at), c), "rejected": 1})
    # The status at the end: the last move before it, or (history imported without its start) where the first
    # move after it started from.
    status = before[-1].to_status if before else after[0].from_status if after else None
    if status is None:
        return  # imported without a history: the row is all there is
    delta: dict[str, Any] = {}
    if "pending" in counted and not ComplaintStatus(status).is_open:  # resolved or rejected at the end
        delta["pending"] = -1
        if due < as_of:
            delta["overdue"] = -1
        bucket = _age_bucket(c.registered_at, as_of)
        if bucket >= 0:
            delta[f"age{bucket}"] = -1
    resolves = [j for j, e in enumerate(before) if e.action == "resolve" and e.at >= start]
    if resolves and "resolved" not in counted:  # resolved in the period; the row forgot it when it was reopened
        j = resolves[-1]
        at = before[j].at
        by = _keys(events, j + 1, c)  # who resolved it, where
        seconds = (at - c.registered_at).total_seconds()
        deltas.append({**by, "resolved": 1, "on_time": int(at <= _due(events, j + 1, c.due_at)), "seconds": seconds})
        spans.append((*by.values(), seconds))
    reopened_later = not any(e.to_status in REOPENING for e in before) and any(e.to_status in REOPENING for e in after)
    if start <= c.registered_at < end and reopened_later:
        delta["reopened"] = -1  # the row counts a reopening that came after the end
    if delta:
        deltas.append({**keys, **delta})


def _row_counts(c: Any, *, start: datetime, end: datetime, as_of: datetime) -> dict[str, Any]:  # noqa: ANN401
    """What the cube's queries count for this complaint, as they count it: received, resolved and rejected in the
    period, and the backlog at its end."""
    out: dict[str, Any] = {}
    if start <= c.registered_at < end:
        out["received"] = 1
        if c.reopen_count > 0:
            out["reopened"] = 1
    if c.resolved_at is not None and start <= c.resolved_at < end:
        out.update(resolved=1, seconds=(c.resolved_at - c.registered_at).total_seconds())
        if c.resolved_at <= c.due_at:
            out["on_time"] = 1
    rejected = c.status == ComplaintStatus.REJECTED.value and c.closed_at is not None
    if rejected and start <= c.closed_at < end:
        out["rejected"] = 1
    ended_since = (c.resolved_at is not None and c.resolved_at >= as_of) or (rejected and c.closed_at >= as_of)
    if c.registered_at < as_of and (c.kind == "open" or ended_since):
        out["pending"] = 1
        if c.due_at < as_of:
            out["overdue"] = 1
        bucket = _age_bucket(c.registered_at, as_of)
        if bucket >= 0:
            out[f"age{bucket}"] = 1
    return out


def _keys(events: list[Any], i: int, c: Any) -> dict[str, Any]:  # noqa: ANN401
    """The complaint's KEYS before ``events[i:]`` (its channel never changes)."""
    return {k: _held(events, i, k, getattr(c, k)) if k in MOVABLE else getattr(c, k) for k in KEYS}


def _due(events: list[Any], i: int, row: datetime) -> datetime:
    """The due date before ``events[i:]``."""
    due = _held(events, i, "due_at", row)
    return datetime.fromisoformat(due) if isinstance(due, str) else due


def _said(e: Any, field: str) -> tuple[bool, Any]:  # noqa: ANN401
    """Whether the event says what ``field`` was before it, and what: what it moved (``was``), an edit's diff, a
    re-mark's former place (which re-marks have always recorded)."""
    data = e.data or {}
    if field in (data.get("was") or {}):
        return True, data["was"][field]
    if e.action == "edit" and isinstance(data.get(field), dict):
        return True, data[field].get("from")
    if e.action == "remark" and field in (data.get("from") or {}):
        return True, data["from"][field]
    return False, None


def _moves_officer(e: Any) -> bool:  # noqa: ANN401
    """An event that may have changed the officer without saying what it was (recorded before events said
    ``was``): an assignment, a re-mark (the new GRO assigns it), an escalation (their queue takes it)."""
    if "was" in (e.data or {}):
        return False  # it says all it moved
    return e.action in ("assign", "remark") or (e.to_status == "escalated" and e.from_status != "escalated")


def _held(events: list[Any], i: int, field: str, row: Any) -> Any:  # noqa: ANN401
    """``field`` before ``events[i:]``: what the first of them that says so says it was, else the row's. An
    officer moved by an event that did not say is replayed from the events before it instead."""
    for e in events[i:]:
        said, value = _said(e, field)
        if said:
            return value
        if field == "assignee" and _moves_officer(e):
            for prior in reversed(events[:i]):
                if _moves_officer(prior) or "assignee" in ((prior.data or {}).get("was") or {}):
                    return (prior.data or {}).get("assignee", row) if prior.action == "assign" else None
            return None if events and events[0].action == "register" else row  # nobody is assigned at registration
    return row


class Cell:
    """One group of the cube; counts it did not get are zero."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __getattr__(self, name: str) -> float:
        return self.values.get(name, 0) if not name.startswith("__") else super().__getattribute__(name)

    def __getitem__(self, i: int) -> str | None:
        return self.values.get(KEYS[i])


def durations(session: Session, *, start: datetime, end: datetime, late: Late | None = None) -> list[Any]:
    """(keys..., seconds) of every complaint resolved in [start, end), for the percentiles (a month is tens of
    thousands of rows: fetched at once, not row by row); with ``late``, also those resolved in it and reopened
    after its end."""
    secs = _seconds_between(session, C.resolved_at, C.registered_at)
    stmt = select(*[getattr(C, k) for k in KEYS], cast(secs, Float)).where(C.resolved_at >= start, C.resolved_at < end)
    if late and late.respanned:
        stmt = stmt.where(C.id.not_in(late.respanned))
    return list(session.execute(stmt).all()) + (late.spans if late else [])


@dataclass(frozen=True)
class QcCounts:
    """What the QC desk did in a period, as counted: calls per (officer, purpose, outcome, reached), ratings per
    score, and the appeals opened and handled in it and open at its end."""

    calls: list[tuple[str, str, str, bool, int]]
    ratings: dict[int, int]
    appeals_opened: int
    appeals_handled: int
    appeals_open: int


def qc_counts(session: Session, *, start: datetime, end: datetime) -> QcCounts:
    """Calls, ratings and appeals of [start, end); the open appeals are counted as of ``end``."""
    q, f = QcCall.__table__.c, Feedback.__table__.c
    in_period = and_(q.at >= start, q.at < end)
    calls = session.execute(
        select(q.officer, q.purpose, q.outcome, q.reached, func.count())
        .where(in_period)
        .group_by(q.officer, q.purpose, q.outcome, q.reached)
    ).all()
    ratings: dict[int, int] = dict(
        session.execute(select(f.rating, func.count()).where(f.at >= start, f.at < end).group_by(f.rating)).all()
    )
    appeals_opened = session.execute(
        select(func.count()).where(f.appeal.is_(True), f.at >= start, f.at < end)
    ).scalar_one()
    appeals_handled = session.execute(
        select(func.count()).where(f.appeal.is_(True), f.handled_at >= start, f.handled_at < end)
    ).scalar_one()
    appeals_open = session.execute(
        select(func.count()).where(f.appeal.is_(True), f.at < end, or_(f.handled_at.is_(None), f.handled_at >= end))
    ).scalar_one()
    return QcCounts(
        calls=[(o, p, oc, r, n) for o, p, oc, r, n in calls],
        ratings=ratings,
        appeals_opened=appeals_opened,
        appeals_handled=appeals_handled,
        appeals_open=appeals_open,
    )


def sub_categories(session: Session, *, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Received and resolved per sub-category in [start, end) (complaints marked to a category's child)."""
    received = and_(C.registered_at >= start, C.registered_at < end)
    resolved = and_(C.resolved_at >= start, C.resolved_at < end)
    counts = (
        select(C.parent_category_id, C.category_id, func.count().filter(received), func.count().filter(resolved))
        .where(C.parent_category_id.is_not(None), C.channel.not_in(INTERNAL_CHANNELS))
        .group_by(C.parent_category_id, C.category_id)
    )
    sums: dict[tuple[str, str], list[int]] = {}
    # Registered in the period, or resolved in it having been registered before: disjoint index ranges (see cube).
    for q in (counts.where(received), counts.where(resolved, C.registered_at < start)):
        for parent, sub, r, d in session.execute(q).all():
            acc = sums.setdefault((parent, sub), [0, 0])
            acc[0] += r
            acc[1] += d
    return [
        {"category": parent, "sub_category": sub, "received": r, "resolved": d}
        for (parent, sub), (r, d) in sorted(sums.items())
    ]


QUARTER = 900  # seconds: every city's local hours start on a UTC quarter hour


def _quarter(session: Session):  # noqa: ANN202
    """registered_at as its quarter hour since the epoch (numbers group faster than formatted strings; on
    PostgreSQL a double, not EXTRACT's numeric, whose division costs more than the grouping)."""
    t = C.registered_at
    if session.get_bind().dialect.name == "postgresql":
        return func.floor(func.date_part("epoch", t, type_=Float) / float(QUARTER))
    return cast((func.julianday(t) - 2440587.5) * (86400 / QUARTER), Integer)


def arrivals(session: Session, *, start: datetime, end: datetime) -> list[tuple[datetime, str, str | None, int]]:
    """(quarter hour, channel, walk-in counter or None, complaints) of what was registered in [start, end)."""
    bucket = _quarter(session).label("bucket")
    counter = case((C.channel == "walk_in", C.channel_data["counter"].as_string()), else_=None).label("counter")
    stmt = (
        select(bucket, C.channel, counter, func.count())
        .where(C.registered_at >= start, C.registered_at < end)
        .group_by(bucket, C.channel, counter)
    )
    return [
        (datetime.fromtimestamp(int(at) * QUARTER, UTC), channel, counter_id, n)
        for at, channel, counter_id, n in session.execute(stmt).all()
    ]
