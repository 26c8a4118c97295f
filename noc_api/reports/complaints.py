"""Complaint MIS: received, resolved, pending, overdue, reopened, rejected, resolution times, SLA compliance,
aging, top categories, fair rankings. Aggregated by the database; percentiles from the resolved durations only."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow

C = ComplaintRow.__table__.c
DIMENSIONS = {
    "town": C.town_id,
    "department": C.department_id,
    "category": C.category_id,
    "channel": C.channel,
    "officer": C.assignee,
    "city": None,
}
AGING = [(0, 3, "0-3 days"), (4, 7, "4-7 days"), (8, 15, "8-15 days"), (16, 30, "16-30 days"), (31, None, "> 30 days")]


def _seconds_between(session: Session, later, earlier):  # noqa: ANN001, ANN202
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def summary(session: Session, *, start: datetime, end: datetime, now: datetime, by: str) -> list[dict[str, Any]]:
    """One row per value of ``by`` (town, department, category, channel, officer or city) for [start, end)."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; use one of {', '.join(DIMENSIONS)}")
    key = DIMENSIONS[by]
    as_of = min(end, now)
    in_period = and_(C.registered_at >= start, C.registered_at < end)
    resolved_in = and_(C.resolved_at >= start, C.resolved_at < end)
    is_open = and_(C.kind == "open", C.registered_at < end)
    secs = _seconds_between(session, C.resolved_at, C.registered_at)
    cols = [
        func.count().filter(in_period).label("received"),
        func.count().filter(resolved_in).label("resolved"),
        func.count().filter(and_(resolved_in, C.resolved_at <= C.due_at)).label("on_time"),
        func.count().filter(is_open).label("pending"),
        func.count().filter(and_(is_open, C.due_at < as_of)).label("overdue"),
        func.count().filter(and_(in_period, C.reopen_count > 0)).label("reopened"),
        func.count().filter(and_(in_period, C.status == "rejected")).label("rejected"),
        func.avg(case((resolved_in, cast(secs, Float)))).label("avg_seconds"),
    ]
    relevant = (C.registered_at < end) & ((C.registered_at >= start) | (C.kind == "open") | resolved_in)
    stmt = select(*([key.label("key")] if key is not None else []), *cols).where(relevant)
    if key is not None:
        stmt = stmt.group_by(key)
    rows = []
    durations = _durations(session, key, start, end, secs)
    for r in session.execute(stmt):
        k = r.key if key is not None else "city"
        rows.append(_row(k, r, durations.get(k, [])))
    rows.sort(key=lambda x: (-x["received"], str(x["key"])))
    return rows


def _durations(session: Session, key, start: datetime, end: datetime, secs) -> dict[Any, list[float]]:  # noqa: ANN001
    q = select(*([key] if key is not None else []), secs).where(C.resolved_at >= start, C.resolved_at < end)
    out: dict[Any, list[float]] = defaultdict(list)
    for r in session.execute(q):
        out[r[0] if key is not None else "city"].append(float(r[-1]))
    return out


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[q - 1]


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _row(key: Any, r: Any, durations: list[float]) -> dict[str, Any]:
    hours = _hours
    return {
        "key": key,
        "received": r.received,
        "resolved": r.resolved,
        "pending": r.pending,
        "overdue": r.overdue,
        "reopened": r.reopened,
        "rejected": r.rejected,
        "on_time": r.on_time,
        "sla_compliance_percent": round(100 * r.on_time / r.resolved, 1) if r.resolved else None,
        "avg_resolution_hours": hours(r.avg_seconds),
        "p50_resolution_hours": hours(_pct(durations, 50)),
        "p90_resolution_hours": hours(_pct(durations, 90)),
    }


def aging(session: Session, *, end: datetime, by: str = "city") -> list[dict[str, Any]]:
    """Open complaints at ``end`` by age bucket (days since registration)."""
    key = DIMENSIONS[by]
    buckets = [
        func.count()
        .filter(
            and_(
                C.registered_at <= end - timedelta(days=lo),
                *([C.registered_at > end - timedelta(days=hi + 1)] if hi is not None else []),
            )
        )
        .label(f"b{i}")
        for i, (lo, hi, _) in enumerate(AGING)
    ]
    stmt = select(*([key.label("key")] if key is not None else []), *buckets).where(
        C.kind == "open", C.registered_at < end
    )
    if key is not None:
        stmt = stmt.group_by(key)
    out = []
    for r in session.execute(stmt):
        row = {"key": r.key if key is not None else "city"}
        row.update({label: getattr(r, f"b{i}") for i, (_, _, label) in enumerate(AGING)})
        out.append(row)
    return out


def top_categories(session: Session, *, start: datetime, end: datetime, limit: int = 10) -> list[dict[str, Any]]:
    stmt = (
        select(C.category_id, func.count().label("n"))
        .where(C.registered_at >= start, C.registered_at < end)
        .group_by(C.category_id)
        .order_by(func.count().desc(), C.category_id)
        .limit(limit)
    )
    return [{"category": r.category_id, "received": r.n} for r in session.execute(stmt)]


def ranking(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rank by a grievance index built from rates, not raw counts (in the spirit of CPGRAMS' index).

    index = 40 % on-time share of resolved + 30 % resolution rate + 20 % (1 - overdue share of pending)
            + 10 % (1 - reopen rate); each part 0..1, so a small town is not punished for a small load.
    """
    ranked = []
    for r in rows:
        if not r["received"] and not r["resolved"] and not r["pending"]:
            continue
        on_time = r["on_time"] / r["resolved"] if r["resolved"] else 0.0
        resolution = min(1.0, r["resolved"] / r["received"]) if r["received"] else 1.0
        overdue = r["overdue"] / r["pending"] if r["pending"] else 0.0
        reopen = r["reopened"] / r["received"] if r["received"] else 0.0
        index = 100 * (0.4 * on_time + 0.3 * resolution + 0.2 * (1 - overdue) + 0.1 * (1 - reopen))
        ranked.append({**r, "index": round(index, 1)})
    ranked.sort(key=lambda x: (-x["index"], str(x["key"])))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
    return ranked


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The period of the same length just before [start, end) (a month is compared with the month before)."""
    if start.day == 1 and end.day == 1 and (end.month - start.month) % 12 == 1:
        prev_start = (start - timedelta(days=1)).replace(day=1)
        return prev_start, start
    return start - (end - start), start
