"""MIS reports for managers (JSON, CSV, XLSX, PDF) and the public monthly service-delivery summary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from complaint_core.roles import Actor, Role
from noc_api.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles
from noc_api.params import Day
from noc_api.reports.maintenance import maintenance_csv, maintenance_report
from noc_api.reports.render import to_csv, to_pdf, to_xlsx
from noc_api.reports.schemas import MaintenanceReportOut, MisReportOut
from noc_api.reports.service import CHANNEL, as_report, mis_report
from noc_api.runtime import Runtime
from noc_api.web.templating import templates

router = APIRouter(tags=["reports"])

MANAGERS = require_roles(
    Role.MAYOR_OFFICE, Role.SENIOR_DIRECTOR, Role.DEPARTMENT_HEAD, Role.TOWN_HEAD, Role.QC_OFFICER, Role.NOC
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _file(data: dict, title: str, fmt: str, now: datetime) -> Response:
    report = as_report(data, title, now)
    body = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}[fmt](report)
    name = f"ccis-{data['period']['kind']}-{data['period']['start'][:10]}.{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/v1/reports/mis", response_model=MisReportOut)
def mis(
    read: ReadSessionDep,
    runtime: RuntimeDep,
    actor: Annotated[Actor, Depends(MANAGERS)],
    period: Literal["daily", "weekly", "fortnightly", "monthly", "yearly"] = "monthly",
    day: Annotated[Day | None, Query(alias="date", description="a day of the period (default: today)")] = None,
    format: Literal["json", "csv", "xlsx", "pdf"] = "json",
) -> Response | MisReportOut:
    """Complaints received/resolved/pending/overdue..., rankings, aging, uptime beside throughput, QC figures
    (verified, failed verification, ratings, appeals) and sub-categories; ``fortnightly`` is the 1st-15th or the
    16th-month end."""
    now = datetime.now(UTC)
    day = day or _today(runtime, now)
    data = mis_report(read, runtime.inventory, runtime.topology, kind=period, day=day, now=now)
    if format == "json":
        return MisReportOut.model_validate(data)
    return _file(data, "CCIS MIS report", format, now)


@router.get(
    "/api/v1/reports/maintenance",
    response_model=None,
    responses={200: {"model": MaintenanceReportOut, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def maintenance(
    session: SessionDep,
    runtime: RuntimeDep,
    actor: Annotated[Actor, Depends(MANAGERS)],
    period: Literal["daily", "weekly", "fortnightly", "monthly", "yearly"] = "monthly",
    day: Annotated[Day | None, Query(alias="date", description="a day of the period (default: today)")] = None,
    format: Literal["json", "csv"] = "json",
) -> Response | MaintenanceReportOut:
    """Maintenance done on time per town; patch and antivirus-signature compliance per site (ISO 9001 evidence)."""
    now = datetime.now(UTC)
    data = maintenance_report(session, runtime.inventory, kind=period, day=day or _today(runtime, now), now=now)
    if format == "json":
        return MaintenanceReportOut.model_validate(data)
    name = f"ccis-maintenance-{period}-{data['period']['start'][:10]}.csv"
    return Response(
        maintenance_csv(data),
        media_type=MEDIA["csv"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _public(data: dict) -> dict:
    """Only aggregates: no officer names, no personal data."""
    out = {k: v for k, v in data.items() if k not in ("by_officer",)}
    if out.get("qc"):
        out["qc"] = {k: v for k, v in out["qc"].items() if k != "by_officer"}  # QC officers' names stay inside
    return out


@router.get("/public/service-delivery", response_class=HTMLResponse, include_in_schema=False)
def service_delivery_page(
    request: Request, read: ReadSessionDep, runtime: RuntimeDep, month: str | None = None
) -> HTMLResponse:
    """The monthly service-delivery summary the city publishes on its website."""
    now = datetime.now(UTC)
    day = _month(month, now)
    data = _public(mis_report(read, runtime.inventory, runtime.topology, kind="monthly", day=day, now=now))
    return templates.TemplateResponse(
        request,
        "service_delivery.html",
        {"d": data, "month": f"{day:%Y-%m}", "city": runtime.inventory.city.name, "kinds": CHANNEL},
    )


@router.get("/public/service-delivery.pdf", include_in_schema=False)
def service_delivery_pdf(read: ReadSessionDep, runtime: RuntimeDep, month: str | None = None) -> Response:
    now = datetime.now(UTC)
    data = _public(
        mis_report(read, runtime.inventory, runtime.topology, kind="monthly", day=_month(month, now), now=now)
    )
    data["by_officer"] = []
    return _file(data, f"{runtime.inventory.city.name} service delivery", "pdf", now)


def _month(month: str | None, now: datetime) -> date:
    if not month:
        return now.date().replace(day=1)
    try:
        return datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        from fastapi import HTTPException

        raise HTTPException(422, f"month must be YYYY-MM, got {month!r}") from None


def _today(runtime: Runtime, now: datetime) -> date:
    """Today in the city (a Karachi morning is still yesterday in UTC until 05:00)."""
    return now.astimezone(ZoneInfo(runtime.inventory.city.timezone)).date()
