"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) under /open311/v2/, in XML and JSON.

The format is the path's suffix (``services.xml``, ``requests/KHI-2026-0000001.json``); every error, including
an unknown path or method under /open311/, is the spec's error array in the format the path asks for.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from noc_api.complaints import open311 as svc
from noc_api.complaints import open311_requests as reqs
from noc_api.complaints.desk import ComplaintDesk
from noc_api.complaints.open311_docs import (
    Discovery,
    RequestCreated,
    RequestToken,
    Service,
    ServiceDefinition,
    ServiceRequest,
    documented,
)
from noc_api.complaints.open311_format import FORMATS, errors_body, format_of, render
from noc_api.complaints.partner_keys import active_key
from noc_api.deps import DeskDep, SessionDep

router = APIRouter(tags=["open311"])
PREFIX = "/open311/v2"


def _error(fmt: str, status: int, errors: list[tuple[int, str]], headers: dict[str, str] | None = None) -> Response:
    body, ctype = errors_body(fmt, errors)
    return Response(body, status_code=status, media_type=ctype, headers=headers)


def _answer(fmt: str, root: str, request: Request, desk: ComplaintDesk, produce: Callable[[], object]) -> Response:
    """Check the format and jurisdiction, run ``produce`` and render its value (or its Open311Error)."""
    if fmt not in FORMATS:
        return _error("xml", 404, [(404, f"format {fmt!r} not supported: use .xml or .json")])
    try:
        svc.check_jurisdiction(desk, request.query_params.get("jurisdiction_id"))
        body, ctype = render(fmt, root, produce())
    except svc.Open311Error as exc:
        return _error(fmt, exc.status, exc.errors)
    return Response(body, media_type=ctype)


@router.get("/open311/discovery.{fmt}", include_in_schema=False)
@router.get(PREFIX + "/discovery.{fmt}", responses=documented(Discovery, "The discovery document"))
def discovery(fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """Service discovery: the endpoint, its formats and how to get an api_key."""
    return _answer(fmt, "discovery", request, desk, lambda: svc.discovery(session, desk))


@router.get(PREFIX + "/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse(PREFIX + "/discovery.xml")


@router.get(PREFIX + "/services.{fmt}", responses=documented(list[Service], "The services"))
def services(fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """The service list: one service per public complaint category."""
    return _answer(fmt, "services", request, desk, lambda: svc.services(session, desk))


@router.get(
    PREFIX + "/services/{service_code}.{fmt}", responses=documented(ServiceDefinition, "The service definition")
)
def definition(service_code: str, fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """A service definition with its attributes (town, ward, the promised time)."""
    return _answer(fmt, "service_definition", request, desk, lambda: svc.definition(session, desk, service_code))


@router.get(PREFIX + "/requests.{fmt}", responses=documented(list[ServiceRequest], "The service requests"))
def requests(fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """Service requests: by service_request_id, or service_code, status, start_date/end_date (90 days)."""
    params = dict(request.query_params)
    return _answer(
        fmt, "service_requests", request, desk, lambda: reqs.requests(session, desk, params, datetime.now(UTC))
    )


@router.get(
    PREFIX + "/requests/{request_id}.{fmt}", responses=documented(list[ServiceRequest], "A list of one request")
)
def one(request_id: str, fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """One service request (a list of one, as the spec says)."""
    return _answer(fmt, "service_requests", request, desk, lambda: reqs.one(session, desk, request_id))


@router.get(PREFIX + "/tokens/{token_id}.{fmt}", responses=documented(list[RequestToken], "The request behind a token"))
def token(token_id: str, fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """The service_request_id behind a token (batch mode)."""
    return _answer(fmt, "service_requests", request, desk, lambda: reqs.token(session, token_id))


@router.post(PREFIX + "/requests.{fmt}", responses=documented(list[RequestCreated], "The request made"))
async def post_request(fmt: str, request: Request, session: SessionDep, desk: DeskDep) -> Response:
    """Create a service request: a form-encoded body with the api_key of a partner app."""
    shown = fmt if fmt in FORMATS else "xml"  # errors before the format is known are in XML
    try:
        form = await request.form()
    except Exception as exc:  # a malformed body is the client's error, whatever the parser raised
        return _error(shown, 400, [(400, f"the body must be form-encoded: {exc}")])
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    # Some clients send api_key (and jurisdiction_id) in the query string: both places are read.
    api_key = next((v for k, v in items if k == "api_key"), None) or request.query_params.get("api_key")
    if not api_key:
        return _error(shown, 403, [(403, "api_key is missing: partner apps get one from the city")])
    key = active_key(session, api_key.strip())
    if key is None:
        return _error(shown, 403, [(403, "api_key is invalid or revoked")])
    if fmt not in FORMATS:
        return _error("xml", 404, [(404, f"format {fmt!r} not supported: use .xml or .json")])
    wait = desk.open311_limiter.hit(key.id, key.rate)
    if wait is not None:
        msg = f"too many requests for this api_key ({key.rate or desk.settings.open311_key_rate}); retry later"
        return _error(fmt, 429, [(429, msg)], headers={"Retry-After": str(int(wait + 0.999))})
    now = datetime.now(UTC)
    key.last_used_at = now
    jurisdiction = next((v for k, v in items if k == "jurisdiction_id"), None) or request.query_params.get(
        "jurisdiction_id"
    )
    try:
        svc.check_jurisdiction(desk, jurisdiction)
        body, ctype = render(fmt, "service_requests", reqs.post(session, desk, key, items, now))
    except svc.Open311Error as exc:
        session.rollback()
        return _error(fmt, exc.status, exc.errors)
    return Response(body, media_type=ctype)


def install_open311_errors(app: FastAPI) -> None:
    """Errors under /open311/ (unknown path, wrong method) in the spec's form; others go to the app's handler."""
    fallback = app.exception_handlers.get(StarletteHTTPException)

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/open311/"):
            # The spec's codes: 404 for what does not exist, 403 for the key, 400 for anything else (a wrong method).
            status = exc.status_code if exc.status_code in (403, 404) else 400
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
            if exc.status_code == 404:
                detail = f"{request.url.path} is not a GeoReport v2 resource"
            elif exc.status_code == 405:
                detail = f"{request.method} is not allowed on {request.url.path}"
            return _error(
                format_of(request.url.path), status, [(status, detail)], headers=getattr(exc, "headers", None)
            )
        assert fallback is not None
        answer = fallback(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, handler)
