"""Assemble the MIS reports from the complaint and NOC tables, as JSON-ready dicts and renderable Reports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from noc_api.db.noc_models import OutageRow
from noc_api.reports import complaints as cr
from noc_api.reports.periods import period_bounds
from noc_api.reports.render import Chart, Report, Table
from noc_api.reports.uptime_throughput import story, uptime_throughput
from noc_api.runtime import Runtime
from noc_api.services.health_queries import uptime_report

O = OutageRow.__table__.c  # noqa: E741


def restore_times(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Internal tickets' own SLA: outages ended in the period, time to restore by town and cause."""
    if session.get_bind().dialect.name == "postgresql":
        secs = func.extract("epoch", O.ended_at - O.started_at)
    else:
        secs = (func.julianday(O.ended_at) - func.julianday(O.started_at)) * 86400.0
    stmt = (
        select(O.town_id, O.cause, func.count().label("n"), func.avg(secs).label("avg"), func.max(secs).label("max"))
        .where(O.ended_at >= start, O.ended_at < end, O.in_maintenance.is_(False))
        .group_by(O.town_id, O.cause)
        .order_by(O.town_id, O.cause)
    )
    return [
        {
            "town": r.town_id,
            "cause": r.cause,
            "outages": r.n,
            "avg_restore_minutes": round(float(r.avg) / 60, 1),
            "max_restore_minutes": round(float(r.max) / 60, 1),
        }
        for r in session.execute(stmt)
    ]


def mis_report(session: Session, runtime: Runtime, *, kind: str, day: date, now: datetime) -> dict[str, Any]:
    """The daily/weekly/monthly/yearly MIS report as plain data."""
    tz = ZoneInfo(runtime.inventory.city.timezone)
    start, end, label = period_bounds(kind, day, tz)
    prev_start, prev_end = cr.previous_period(start, end)
    if session.get_bind().dialect.name == "postgresql":
        # Grouping a year's backlog sorts more than the default 4 MB: let this report's transaction hash in memory.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    cube = cr.cube(session, start=start, end=end, now=now)
    spans = cr.durations(session, start=start, end=end)
    prev_cube = cr.cube(session, start=prev_start, end=prev_end, now=now, backlog=False)  # the flow is compared
    overall = cr.breakdown(cube, spans, "city")
    previous = cr.breakdown(prev_cube, [], "city")
    uptime_rows = uptime_report(session, runtime.topology, "channel", start, end, now)
    channels = uptime_throughput(session, runtime.inventory, uptime_rows, start=start, end=end, now=now)
    return {
        "period": {"kind": kind, "label": label, "start": start.isoformat(), "end": end.isoformat()},
        "overall": overall[0] if overall else None,
        "previous": previous[0] if previous else None,
        "by_town": cr.ranking(cr.breakdown(cube, spans, "town")),
        "by_department": cr.ranking(cr.breakdown(cube, spans, "department")),
        "by_channel": cr.breakdown(cube, spans, "channel"),
        "by_category": cr.breakdown(cube, spans, "category"),
        "by_officer": cr.breakdown(cube, spans, "officer"),
        "top_categories": cr.top_categories(cube),
        "aging": cr.aging(cube),
        "uptime_throughput": channels,
        "stories": [s for s in (story(r) for r in channels) if s],
        "restore_times": restore_times(session, start, end),
    }


def _t(
    title: str,
    rows: list[dict[str, Any]],
    cols: list[tuple[str, str]],
    chart: Chart | None = None,
    totals: bool = False,
) -> Table:
    body = [[r.get(k) for k, _ in cols] for r in rows]
    sums = None
    if totals and rows:
        sums = ["Total"] + [
            sum(r.get(k) or 0 for r in rows) if isinstance(rows[0].get(k), int) else None for k, _ in cols[1:]
        ]
    return Table(title, [h for _, h in cols], body, totals=sums, chart=chart)


COUNTS = [
    ("received", "Received"),
    ("resolved", "Resolved"),
    ("pending", "Pending"),
    ("overdue", "Overdue"),
    ("reopened", "Reopened"),
    ("rejected", "Rejected"),
    ("sla_compliance_percent", "On time %"),
    ("avg_resolution_hours", "Avg h"),
    ("p90_resolution_hours", "P90 h"),
]


def as_report(data: dict[str, Any], title: str, now: datetime) -> Report:
    """The report's tables, charts and notes, ready for CSV/XLSX/PDF."""
    period = data["period"]
    ranked = [("rank", "Rank"), ("key", "Town"), ("index", "Index"), *COUNTS]
    return Report(
        title=f"{title} — {period['label']}",
        period=f"{period['start'][:16]} to {period['end'][:16]} UTC",
        generated_at=now.astimezone(UTC),
        notes=data["stories"] + ["Uptime excludes planned maintenance; rankings use rates, not raw counts."],
        tables=[
            _t("City", [data["overall"]] if data["overall"] else [], [("key", ""), *COUNTS]),
            _t("Towns ranked", data["by_town"], ranked, Chart("Index", "Town", "Grievance index by town")),
            _t(
                "Departments ranked",
                data["by_department"],
                [("rank", "Rank"), ("key", "Department"), ("index", "Index"), *COUNTS],
            ),
            _t("Channels", data["by_channel"], [("key", "Channel"), *COUNTS], totals=True),
            _t(
                "Uptime beside throughput",
                data["uptime_throughput"],
                [
                    ("name", "Channel"),
                    ("uptime_percent", "Uptime %"),
                    ("downtime_minutes", "Down min"),
                    ("received", "Received"),
                    ("per_uptime_hour", "Per up-hour"),
                    ("expected_missed", "Expected lost"),
                ],
                Chart("Received", "Channel", "Complaints received per channel"),
            ),
            _t(
                "Top categories",
                data["top_categories"],
                [("category", "Category"), ("received", "Received")],
                totals=True,
            ),
            _t("Open complaints by age", data["aging"], [("key", ""), *[(label, label) for _, _, label in cr.AGING]]),
            _t(
                "Internal tickets: time to restore",
                data["restore_times"],
                [
                    ("town", "Town"),
                    ("cause", "Cause"),
                    ("outages", "Outages"),
                    ("avg_restore_minutes", "Avg min"),
                    ("max_restore_minutes", "Max min"),
                ],
            ),
        ],
    )
