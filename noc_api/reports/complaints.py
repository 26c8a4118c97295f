"""Complaint MIS: received, resolved, pending, overdue, reopened, rejected, resolution times, SLA compliance,
aging, top categories, fair rankings, summed from the core's cube (``complaint_core.services.figures``, which the
database aggregates); percentiles from the resolved durations only."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from complaint_core.model import ComplaintKind
from complaint_core.services.figures import AGING, KEYS, Cell

BY_KEY = {
    "town": "town_id",
    "department": "department_id",
    "category": "category_id",
    "channel": "channel",
    "officer": "assignee",
    "ward": "ward",  # sector-wise: keyed by (town, ward)
    "city": None,
}


def split_internal(rows: list[Any]) -> tuple[list[Any], list[Any]]:
    """(citizen rows, internal NOC ticket rows) of a cube or duration list: internal tickets never count in
    citizen figures."""
    i = KEYS.index("channel")
    kinds: dict[Any, ComplaintKind] = {}  # per channel: a handful of values over many rows
    citizen: list[Any] = []
    internal: list[Any] = []
    for r in rows:
        channel = r[i]
        kind = kinds.get(channel)
        if kind is None:
            kind = kinds[channel] = ComplaintKind.of(channel or "")
        (internal if kind is ComplaintKind.INTERNAL else citizen).append(r)
    return citizen, internal


COUNTS = ("received", "resolved", "on_time", "pending", "overdue", "reopened", "rejected", "seconds")


def breakdown(cube_rows: list[Any], duration_rows: list[Any], by: str) -> list[dict[str, Any]]:
    """One row per value of ``by`` (town, department, category, channel, officer or city)."""
    if by not in BY_KEY:
        raise ValueError(f"unknown dimension {by!r}; use one of {', '.join(BY_KEY)}")
    idx = KEYS.index(BY_KEY[by]) if BY_KEY[by] else None
    town = KEYS.index("town_id") if by == "ward" else None
    sums: dict[Any, dict[str, float]] = {}
    for r in cube_rows:
        key = r[idx] if idx is not None else "city"
        if town is not None:
            if key is None:
                continue  # no ward named
            key = (r[town], key)
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = dict.fromkeys(COUNTS, 0)
        values = r.values if isinstance(r, Cell) else {n: getattr(r, n) for n in COUNTS}
        for name in COUNTS:
            acc[name] += values.get(name) or 0
    spans: dict[Any, list[float]] = defaultdict(list)
    if idx is None:
        spans["city"] = [float(r[-1]) for r in duration_rows]
    else:
        for r in duration_rows:
            spans[(r[town], r[idx]) if town is not None else r[idx]].append(float(r[-1]))
    rows = [_row(k, v, spans.get(k, [])) for k, v in sums.items()]
    rows = [r for r in rows if r["received"] or r["resolved"] or r["pending"]]
    rows.sort(key=lambda x: (-x["received"], str(x["key"])))
    return rows


def _pct(ordered: list[float], q: int) -> float | None:
    """The q-th percentile of sorted values: statistics.quantiles(n=100, method="inclusive")'s very arithmetic,
    without sorting again and computing all 99 cut points for each one asked."""
    if not ordered:
        return None
    if len(ordered) == 1:
        return ordered[0]
    j, delta = divmod(q * (len(ordered) - 1), 100)
    return (ordered[j] * (100 - delta) + ordered[j + 1] * delta) / 100


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _row(key: str | None, v: dict[str, float], spans: list[float]) -> dict[str, Any]:
    resolved = int(v["resolved"])
    spans = sorted(spans)
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


def empty(key: str = "city") -> dict[str, Any]:
    """A breakdown row with nothing in it (a period without any complaint of a kind)."""
    return _row(key, dict.fromkeys(COUNTS, 0), [])


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
