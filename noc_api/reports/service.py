"""Assemble the MIS reports from the complaint and NOC tables, as JSON-ready dicts and renderable Reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from complaint_core.services import figures
from noc_api.db.models import User
from noc_api.db.noc_models import OutageRow
from noc_api.health.queries import uptime_report
from noc_api.health.topology import Topology
from noc_api.inventory import Inventory
from noc_api.reports import complaints as cr
from noc_api.reports.periods import period_bounds, previous_bounds
from noc_api.reports.qc import qc_figures
from noc_api.reports.render import Chart, Report, Table
from noc_api.reports.uptime_throughput import story, uptime_throughput

O = OutageRow.__table__.c  # noqa: E741


def restore_times(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Internal tickets' own SLA: outages ended in the period, time to restore by town and cause."""
    if session.get_bind().dialect.name == "postgresql":
        secs: ColumnElement[Any] = func.extract("epoch", O.ended_at - O.started_at)
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


# The channels as a report names them (the pages translate theirs: noc_api/web/words.py).
CHANNEL = {
    "call_centre": "Call centre (1339)",
    "walk_in": "Walk-in counter",
    "web": "Website",
    "chatbot": "Chatbot",
    "sms": "SMS",
    "mayor_office": "Talk to Mayor",
    "email": "E-mail",
    "internal": "Internal (NOC)",
}


class Labels:
    """Names, not ids, from the inventory: towns, departments, categories (and sub-categories), channels."""

    def __init__(self, inventory: Inventory) -> None:
        self.towns = {t.id: t.name for t in inventory.towns}
        self.departments = {d.id: d.name for d in inventory.departments}
        self.categories = {c.id: c.name for c in inventory.categories} | {
            s.id: s.name for c in inventory.categories for s in c.sub_categories
        }

    def town(self, town_id: str | None) -> str:
        return self.towns.get(town_id, town_id) if town_id else "Waiting for routing"

    def department(self, department_id: str | None) -> str:
        return self.departments.get(department_id or "", department_id or "—")

    def category(self, category_id: str | None) -> str:
        return self.categories.get(category_id or "", category_id or "—")

    @staticmethod
    def channel(channel: str | None) -> str:
        return CHANNEL.get(channel or "", channel or "—")


def _named(rows: list[dict[str, Any]], name: Any, key: str = "key", field: str = "name") -> list[dict[str, Any]]:  # noqa: ANN401
    for r in rows:
        r[field] = name(r.get(key))
    return rows


def _full_names(session: Session, usernames: list[str | None]) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted))).all()
    return {u: f or u for u, f in rows}


def _ward(row: dict[str, Any]) -> dict[str, Any]:
    """A sector-wise row: the ward within its town."""
    town, ward = row["key"]
    return {**row, "key": ward, "name": ward, "town": town, "ward": ward}


def mis_report(
    session: Session, inventory: Inventory, topology: Topology, *, kind: str, day: date, now: datetime
) -> dict[str, Any]:
    """The daily/weekly/monthly/yearly MIS report as plain data.

    Citizen figures leave internal NOC tickets out; those have their own section (counts, and time to restore
    per town and cause). Every row carries the name beside its id; the period is given in the city's zone too."""
    tz = ZoneInfo(inventory.city.timezone)
    start, end, label = period_bounds(kind, day, tz)
    prev_start, prev_end = cr.previous_period(start, end)
    if kind == "fortnightly":  # the other half of the month, counted in local dates
        prev_start, prev_end, _ = previous_bounds(kind, day, tz)
    if session.get_bind().dialect.name == "postgresql":
        # Grouping a year's backlog sorts more than the default 4 MB: let this report's transaction hash in memory.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    late = figures.late_history(session, start=start, end=end, now=now)
    cube, internal_cube = cr.split_internal(figures.cube(session, start=start, end=end, now=now, late=late))
    spans, internal_spans = cr.split_internal(figures.durations(session, start=start, end=end, late=late))
    # Only the city's total of the period before is shown: grouped by channel alone (internal tickets apart), as
    # of that period's end, so it reads what that period's own report reads.
    prev_cube, _ = cr.split_internal(figures.cube(session, start=prev_start, end=prev_end, now=now, by=("channel",)))
    overall = cr.breakdown(cube, spans, "city")
    previous = cr.breakdown(prev_cube, [], "city")
    internal = cr.breakdown(internal_cube, internal_spans, "city")
    uptime_rows = uptime_report(session, topology, "channel", start, end, now)
    channels = uptime_throughput(session, inventory, uptime_rows, start=start, end=end, now=now)
    names = Labels(inventory)
    local = "%d %b %Y %H:%M %Z"
    qc = qc_figures(session, start=start, end=end)
    by_officer = cr.breakdown(cube, spans, "officer")
    people = _full_names(session, [r["key"] for r in by_officer] + [r["officer"] for r in qc.get("by_officer", [])])
    _named(by_officer, lambda u: people.get(u, u) if u else "Unassigned")
    _named(qc.get("by_officer", []), lambda u: people.get(u, u) if u else "—", "officer", "officer_name")
    return {
        "period": {
            "kind": kind,
            "label": label,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "timezone": inventory.city.timezone,
            "start_local": start.astimezone(tz).strftime(local),
            "end_local": end.astimezone(tz).strftime(local),
        },
        "overall": overall[0] if overall else None,
        "previous": previous[0] if previous else None,
        "by_town": _named(cr.ranking(cr.breakdown(cube, spans, "town")), names.town),
        "by_department": _named(cr.ranking(cr.breakdown(cube, spans, "department")), names.department),
        "by_channel": _named(cr.breakdown(cube, spans, "channel"), names.channel),
        "by_category": _named(cr.breakdown(cube, spans, "category"), names.category),
        "by_ward": _named([_ward(r) for r in cr.breakdown(cube, spans, "ward")], names.town, "town", "town_name"),
        "by_officer": by_officer,
        "top_categories": _named(cr.top_categories(cube), names.category, "category"),
        "aging": cr.aging(cube),
        "uptime_throughput": channels,
        "stories": [s for s in (story(r) for r in channels) if s],
        "internal_tickets": internal[0] if internal else cr.empty(),
        "restore_times": _named(restore_times(session, start, end), names.town, "town", "town_name"),
        "qc": qc,
        "by_sub_category": _named(
            _named(figures.sub_categories(session, start=start, end=end), names.category, "category", "category_name"),
            names.category,
            "sub_category",
            "sub_category_name",
        ),
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


QC_COLS = [
    ("verification_calls", "Verification calls"),
    ("verified", "Verified"),
    ("failed_verification", "Failed verification"),
    ("unreachable", "Not reached"),
    ("satisfaction_percent", "Satisfied %"),
    ("callbacks", "Call-backs (open)"),
    ("ratings", "Ratings"),
    ("average_rating", "Avg rating"),
    ("appeals_opened", "Appeals opened"),
    ("appeals_handled", "Appeals handled"),
    ("appeals_open", "Appeals open"),
]


def _uptime_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unobserved time in words: a channel nobody monitored reads "not monitored", never 0 %."""
    out = []
    for r in rows:
        partly = r["monitored"] and r.get("unmonitored_minutes")
        out.append(
            {
                **r,
                "uptime": r["uptime_percent"] if r["monitored"] else "not monitored",
                "down": r["downtime_minutes"] if r["monitored"] else None,
                "unmonitored": r.get("unmonitored_minutes") if partly else None,
            }
        )
    return out


def as_report(data: dict[str, Any], title: str, now: datetime) -> Report:
    """The report's tables, charts and notes, ready for CSV/XLSX/PDF: names, not ids; times in the city's zone."""
    period = data["period"]
    tz = ZoneInfo(period.get("timezone") or "UTC")
    overall = [{**data["overall"], "name": "City"}] if data["overall"] else []
    internal = data.get("internal_tickets")
    return Report(
        title=f"{title} — {period['label']}",
        period=f"{period['start_local']} to {period['end_local']}"
        if "start_local" in period
        else f"{period['start'][:16]} to {period['end'][:16]} UTC",
        generated_at=now.astimezone(tz),
        notes=data["stories"]
        + [
            "Uptime is over the time a channel was monitored and excludes planned maintenance; "
            "rankings use rates, not raw counts; internal NOC tickets are not counted as citizen complaints."
        ],
        tables=[
            _t("City", overall, [("name", ""), *COUNTS]),
            _t(
                "Towns ranked",
                data["by_town"],
                [("rank", "Rank"), ("name", "Town"), ("index", "Index"), *COUNTS],
                Chart("Index", "Town", "Grievance index by town"),
            ),
            _t(
                "Departments ranked",
                data["by_department"],
                [("rank", "Rank"), ("name", "Department"), ("index", "Index"), *COUNTS],
            ),
            _t("Channels", data["by_channel"], [("name", "Channel"), *COUNTS], totals=True),
            _t(
                "Sector-wise: wards within towns",
                data.get("by_ward", []),
                [
                    ("town_name", "Town"),
                    ("ward", "Ward"),
                    ("received", "Received"),
                    ("resolved", "Resolved"),
                    ("pending", "Pending"),
                    ("overdue", "Overdue"),
                ],
                totals=True,
            ),
            _t(
                "Uptime beside throughput",
                _uptime_rows(data["uptime_throughput"]),
                [
                    ("name", "Channel"),
                    ("uptime", "Uptime %"),
                    ("down", "Down min"),
                    ("unmonitored", "Not monitored min"),
                    ("received", "Received"),
                    ("per_uptime_hour", "Per up-hour"),
                    ("expected_missed", "Expected lost"),
                ],
                Chart("Received", "Channel", "Complaints received per channel"),
            ),
            _t(
                "Top categories",
                data["top_categories"],
                [("name", "Category"), ("received", "Received")],
                totals=True,
            ),
            _t(
                "Open complaints by age",
                data["aging"],
                [("key", ""), *[(label, label) for _, _, label in figures.AGING]],
            ),
            _t(
                "Sub-categories",
                data.get("by_sub_category", []),
                [
                    ("category_name", "Category"),
                    ("sub_category_name", "Sub-category"),
                    ("received", "Received"),
                    ("resolved", "Resolved"),
                ],
                totals=True,
            ),
            _t("Quality control", [data["qc"]] if data.get("qc") else [], QC_COLS),
            _t(
                "Quality control by officer",
                (data.get("qc") or {}).get("by_officer", []),
                [
                    ("officer_name", "Officer"),
                    ("calls", "Calls"),
                    ("verified", "Verified"),
                    ("failed", "Failed"),
                    ("unreachable", "Not reached"),
                    ("callbacks", "Call-backs"),
                ],
                totals=True,
            ),
            _t(
                "Internal NOC tickets",
                [{**internal, "name": "Internal NOC tickets"}] if internal else [],
                [
                    ("name", ""),
                    ("received", "Raised"),
                    ("resolved", "Resolved"),
                    ("pending", "Open"),
                    ("overdue", "Overdue"),
                    ("avg_resolution_hours", "Avg h"),
                ],
            ),  # fmt: skip
            _t(
                "Internal NOC tickets: time to restore per town and cause",
                data["restore_times"],
                [
                    ("town_name", "Town"),
                    ("cause", "Cause"),
                    ("outages", "Outages"),
                    ("avg_restore_minutes", "Avg min"),
                    ("max_restore_minutes", "Max min"),
                ],
            ),
        ],
    )
