"""The MIS on screen for managers and the Mayor's office: the report of a period, with server-drawn SVG charts
and the CSV/XLSX/PDF downloads of the reports API."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter
from fastapi.responses import Response

from noc_api.deps import ReadSessionDep
from noc_api.reports.maintenance import maintenance_report
from noc_api.reports.service import mis_report
from noc_api.web.menu import MANAGERS
from noc_api.web.page import PageError, StaffPage

router = APIRouter(include_in_schema=False)
PERIODS = ("daily", "weekly", "fortnightly", "monthly", "yearly")


def bars(rows: list[dict], label: str, fields: tuple[str, ...], limit: int = 18) -> dict:
    """Geometry of a horizontal bar chart (drawn as SVG by the template): one row per item, one bar per field."""
    rows = rows[:limit]
    top = max((r.get(f) or 0 for r in rows for f in fields), default=0) or 1
    return {
        "rows": [{"label": r.get(label) or "—", "values": [(f, r.get(f), (r.get(f) or 0) / top) for f in fields]}
                 for r in rows],
        "fields": fields,
    }  # fmt: skip


@router.get("/mis")
def mis_page(page: StaffPage, read: ReadSessionDep, period: str = "monthly", day: str | None = None) -> Response:
    page.require(*MANAGERS)
    if period not in PERIODS:
        raise PageError(422, page._("Unknown period."))
    now = datetime.now(UTC)
    try:
        the_day = date.fromisoformat(day) if day else now.date()
    except ValueError:
        raise PageError(422, page._("The day must be written as YYYY-MM-DD.")) from None
    rt = page.runtime
    d = mis_report(read, rt.inventory, rt.topology, kind=period, day=the_day, now=now)
    names = page.names
    for r in d["by_town"]:
        r["label"] = names.town(r["key"]) if r["key"] else page._("Waiting for routing")
    for r in d["by_department"]:
        r["label"] = names.department(r["key"])
    for r in d["by_category"]:
        r["label"] = names.category(r["key"])
    for r in d["by_ward"]:  # a ward is named as the inventory names it; its town by the town's name
        r["label"] = names.town(r["town"]) if r["town"] else page._("Waiting for routing")
    for r in d["top_categories"]:
        r["label"] = names.category(r["category"])
    for r in d["restore_times"]:
        r["label"] = names.town(r["town"]) if r["town"] else "—"
    names.load_users([r["key"] for r in d["by_officer"] if r["key"]])
    charts = {
        "towns": bars(d["by_town"], "label", ("received", "resolved")),
        "departments": bars(d["by_department"], "label", ("received", "resolved")),
        # Only what was monitored has an uptime to draw; the table says "not monitored" for the rest.
        "uptime": bars([r for r in d["uptime_throughput"] if r["monitored"]], "name", ("uptime_percent",)),
    }
    # Maintenance on time per town and patch/signature compliance per site: the ISO 9001 audit's evidence.
    maint = maintenance_report(page.session, rt.inventory, kind=period, day=the_day, now=now)
    for r in maint["hygiene_by_site"]:
        r["town"] = names.town(r["town_id"])
    return page.render("mis.html", d=d, period=period, day=the_day, periods=PERIODS, charts=charts, now=now,
                       maint=maint)  # fmt: skip
