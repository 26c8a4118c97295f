"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from noc_api.deps import RuntimeDep, SessionDep
from noc_api.services import open311 as svc

router = APIRouter(prefix="/open311/v2", tags=["open311"])


def _error(exc: svc.Open311Error) -> JSONResponse:
    return JSONResponse([{"code": exc.code, "description": exc.description}], status_code=exc.code)


def _answer(fn, *args: Any, **kw: Any) -> Any:  # noqa: ANN001
    try:
        return fn(*args, **kw)
    except svc.Open311Error as exc:
        return _error(exc)


@router.get("/services.json")
def services(session: SessionDep, rt: RuntimeDep) -> Any:
    """The service list: one service per complaint category."""
    return svc.services(session, rt)


@router.get("/services.xml")
def services_xml(session: SessionDep, rt: RuntimeDep) -> Response:
    """The service list in XML."""
    return Response(svc.services_xml(svc.services(session, rt)), media_type="text/xml")


@router.get("/services/{service_code}.json")
def definition(service_code: str, session: SessionDep, rt: RuntimeDep) -> Any:
    """A service definition (no extra attributes here)."""
    return _answer(svc.definition, session, rt, service_code)


@router.get("/requests.json")
def requests(
    session: SessionDep,
    rt: RuntimeDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
) -> Any:
    """Service requests (90 days by default, at most 1000)."""
    return _answer(
        svc.requests,
        session,
        rt,
        ids=service_request_id,
        service_code=service_code,
        start=start_date,
        end=end_date,
        status=status,
        now=datetime.now(UTC),
    )


@router.post("/requests.json")
async def post_request(request: Request, session: SessionDep, rt: RuntimeDep) -> Any:
    """Create a service request; the body is form-encoded, as the spec says."""
    form = dict(await request.form())
    return _answer(
        svc.post_request, session, rt, {k: v for k, v in form.items() if isinstance(v, str)}, datetime.now(UTC)
    )


@router.get("/requests/{request_id}.json")
def one(request_id: str, session: SessionDep, rt: RuntimeDep) -> Any:
    """One service request (a list of one, as the spec says)."""
    return _answer(svc.one, session, rt, request_id, datetime.now(UTC))
