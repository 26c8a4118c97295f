"""Complaint MIS: received, resolved, pending, overdue, reopened, rejected, resolution times, SLA compliance,
aging, top categories, fair rankings. Aggregated by the database; percentiles from the resolved durations only."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select
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


KEYS = ("town_id", "department_id", "category_id", "channel", "assignee")
BY_KEY = {
    "town": "town_id",
    "department": "department_id",
    "category": "category_id",
    "channel": "channel",
    "officer": "assignee",
    "city": None,
}


def cube(session: Session, *, start: datetime, end: datetime, now: datetime, backlog: bool = True) -> list[Any]:
    """Counts per (town, department, category, channel, officer) for [start, end), in two index-driven passes:
    the period's flow (registered or resolved in it) and the open backlog (with its age buckets), so every
    breakdown is summed from it in Python."""
    as_of = min(end, now)
    in_period = and_(C.registered_at >= start, C.registered_at < end)
    resolved_in = and_(C.resolved_at >= start, C.resolved_at < end)
    secs = _seconds_between(session, C.resolved_at, C.registered_at)
    keys = [getattr(C, k) for k in KEYS]
    flow = (
        select(
            *keys,
            func.count().filter(in_period).label("received"),
            func.count().filter(resolved_in).label("resolved"),
            func.count().filter(and_(resolved_in, C.resolved_at <= C.due_at)).label("on_time"),
            func.count().filter(and_(in_period, C.reopen_count > 0)).label("reopened"),
            func.count().filter(and_(in_period, C.status == "rejected")).label("rejected"),
            func.sum(case((resolved_in, cast(secs, Float)), else_=0.0)).label("seconds"),
        )
        .where(or_(in_period, resolved_in))
        .group_by(*keys)
    )
    ages = [
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
    # The backlog reads only the covering index ix_complaints_backlog, never the wide complaint rows.
    open_backlog = (
        select(*keys, func.count().label("pending"), func.count().filter(C.due_at < as_of).label("overdue"), *ages)
        .where(C.kind == "open", C.registered_at < end)
        .group_by(*keys)
    )
    rows: dict[tuple, dict[str, Any]] = {}
    for r in session.execute(flow):
        rows[tuple(r[: len(KEYS)])] = dict(r._mapping)
    for r in session.execute(open_backlog) if backlog else ():
        rows.setdefault(tuple(r[: len(KEYS)]), dict(zip(KEYS, r[: len(KEYS)], strict=True))).update(r._mapping)
    return [_Cell(v) for v in rows.values()]


class _Cell:
    """One group of the cube; counts it did not get are zero."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __getattr__(self, name: str) -> Any:
        return self.values.get(name, 0) if not name.startswith("__") else super().__getattribute__(name)

    def __getitem__(self, i: int) -> Any:
        return self.values.get(KEYS[i])


def durations(session: Session, *, start: datetime, end: datetime) -> list[Any]:
    """(keys..., seconds) of every complaint resolved in [start, end), for the percentiles."""
    secs = _seconds_between(session, C.resolved_at, C.registered_at)
    stmt = select(*[getattr(C, k) for k in KEYS], cast(secs, Float)).where(C.resolved_at >= start, C.resolved_at < end)
    return list(session.execute(stmt))


COUNTS = ("received", "resolved", "on_time", "pending", "overdue", "reopened", "rejected", "seconds")


def breakdown(cube_rows: list[Any], duration_rows: list[Any], by: str) -> list[dict[str, Any]]:
    """One row per value of ``by`` (town, department, category, channel, officer or city)."""
    if by not in BY_KEY:
        raise ValueError(f"unknown dimension {by!r}; use one of {', '.join(BY_KEY)}")
    idx = KEYS.index(BY_KEY[by]) if BY_KEY[by] else None
    sums: dict[Any, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for r in cube_rows:
        acc = sums[r[idx] if idx is not None else "city"]
        for name in COUNTS:
            acc[name] += getattr(r, name) or 0
    spans: dict[Any, list[float]] = defaultdict(list)
    for r in duration_rows:
        spans[r[idx] if idx is not None else "city"].append(float(r[-1]))
    rows = [_row(k, v, spans.get(k, [])) for k, v in sums.items()]
    rows = [r for r in rows if r["received"] or r["resolved"] or r["pending"]]
    rows.sort(key=lambda x: (-x["received"], str(x["key"])))
    return rows


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[q - 1]


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _row(key: Any, v: dict[str, float], spans: list[float]) -> dict[str, Any]:
    resolved = int(v["resolved"])
    return {
        "key": key,
        "received": int(v["received"]),
        "resolved": resolved,
        "pending": int(v["pending"]),
        "overdue": int(v["overdue"]),
        "reopened": int(v["reopened"]),
        "rejected": int(v["rejected"]),
        "on_time": int(v["on_time"]),
        "sla_compliance_percent": round(100 * v["on_time"] / resolved, 1) if resolved else None,
        "avg_resolution_hours": _hours(v["seconds"] / resolved) if resolved else None,
        "p50_resolution_hours": _hours(_pct(spans, 50)),
        "p90_resolution_hours": _hours(_pct(spans, 90)),
    }


def aging(cube_rows: list[Any], by: str = "city") -> list[dict[str, Any]]:
    """Open complaints by age bucket (days since registration), from the cube."""
    idx = KEYS.index(BY_KEY[by]) if BY_KEY[by] else None
    out: dict[Any, dict[str, int]] = defaultdict(lambda: {label: 0 for _, _, label in AGING})
    for r in cube_rows:
        acc = out[r[idx] if idx is not None else "city"]
        for i, (_, _, label) in enumerate(AGING):
            acc[label] += getattr(r, f"age{i}") or 0
    return [{"key": k, **v} for k, v in out.items()]


def top_categories(cube_rows: list[Any], limit: int = 10) -> list[dict[str, Any]]:
    """The categories that received the most complaints."""
    counts: dict[str, int] = defaultdict(int)
    for r in cube_rows:
        counts[r.category_id] += r.received
    ranked = sorted(((c, n) for c, n in counts.items() if n), key=lambda x: (-x[1], x[0]))[:limit]
    return [{"category": c, "received": n} for c, n in ranked]


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
