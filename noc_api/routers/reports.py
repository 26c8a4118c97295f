"""MIS reports for managers (JSON, CSV, XLSX, PDF) and the public monthly service-delivery summary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from complaint_core.roles import Actor, Role
from noc_api.auth import require_roles
from noc_api.deps import RuntimeDep, SessionDep
from noc_api.reports.render import to_csv, to_pdf, to_xlsx
from noc_api.services.reports import as_report, mis_report

router = APIRouter(tags=["reports"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
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


@router.get("/api/v1/reports/mis", response_model=None)
def mis(
    session: SessionDep,
    runtime: RuntimeDep,
    actor: Annotated[Actor, Depends(MANAGERS)],
    period: Literal["daily", "weekly", "monthly", "yearly"] = "monthly",
    day: date = Query(default_factory=lambda: datetime.now(UTC).date(), alias="date"),
    format: Literal["json", "csv", "xlsx", "pdf"] = "json",
) -> Response | dict:
    """Complaints received/resolved/pending/overdue..., rankings, aging, and uptime beside throughput."""
    now = datetime.now(UTC)
    data = mis_report(session, runtime, kind=period, day=day, now=now)
    if format == "json":
        return data
    return _file(data, "CCIS MIS report", format, now)


def _public(data: dict) -> dict:
    """Only aggregates: no officer names, no personal data."""
    return {k: v for k, v in data.items() if k not in ("by_officer",)}


@router.get("/public/service-delivery", response_class=HTMLResponse, include_in_schema=False)
def service_delivery_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, month: str | None = None
) -> HTMLResponse:
    """The monthly service-delivery summary the city publishes on its website."""
    now = datetime.now(UTC)
    day = _month(month, now)
    data = _public(mis_report(session, runtime, kind="monthly", day=day, now=now))
    return TEMPLATES.TemplateResponse(
        request, "service_delivery.html", {"d": data, "month": f"{day:%Y-%m}", "city": runtime.inventory.city.name}
    )


@router.get("/public/service-delivery.pdf", include_in_schema=False)
def service_delivery_pdf(session: SessionDep, runtime: RuntimeDep, month: str | None = None) -> Response:
    now = datetime.now(UTC)
    data = _public(mis_report(session, runtime, kind="monthly", day=_month(month, now), now=now))
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
