"""The workspace in the browser: server-rendered pages (Jinja2), forms that work without JavaScript.

``install_web(app)`` adds the pages, their static files, the offline /docs, and error pages for browsers.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from complaint_core.model import DomainError, Forbidden, InvalidInput, NotFound
from noc_api.web import admin, citizens, desk, front, mis, noc, qc, queues, track
from noc_api.web.csrf import CsrfFailed
from noc_api.web.docs import install_docs
from noc_api.web.page import LoginRequired, PageError, get_page, login_url

STATIC_DIR = Path(__file__).resolve().parent / "static"
API_PREFIXES = ("/api/", "/open311/", "/metrics", "/healthz", "/openapi.json")


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(API_PREFIXES) and "text/html" in request.headers.get("accept", "")


def _error_page(request: Request, status: int, message: str) -> Response:
    rt = request.app.state.runtime
    with rt.sessions() as session:
        page = get_page(request, session, rt)
        return page.render("error.html", status=status, message=message, code=status)


async def _answer(result: Response | Awaitable[Response]) -> Response:
    """The answer of an API error handler (Starlette allows sync and async ones)."""
    return await result if inspect.isawaitable(result) else result


def install_web(app: FastAPI) -> None:
    """Add the pages (call after the API's own error handlers are installed: browsers get pages, clients JSON)."""
    app.mount("/static/web", StaticFiles(directory=str(STATIC_DIR)), name="web-static")
    install_docs(app)
    app.include_router(front.router)
    app.include_router(desk.router)
    app.include_router(queues.router)
    app.include_router(qc.router)
    app.include_router(mis.router)
    app.include_router(citizens.router)
    app.include_router(track.router)
    app.include_router(admin.router)
    app.include_router(noc.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return _error_page(request, exc.status, exc.message)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return _error_page(request, 403, f"{exc}: reload the page and send the form again.")

    api_domain = app.exception_handlers.get(DomainError)
    api_http = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if not _wants_page(request) and api_domain is not None:
            return await _answer(api_domain(request, exc))
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 409
        if isinstance(exc, InvalidInput):
            status = 422
        return _error_page(request, status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not _wants_page(request) and api_http is not None:
            return await _answer(api_http(request, exc))
        if exc.status_code == 401:
            return RedirectResponse(login_url(request.url.path), status_code=303)
        return _error_page(request, exc.status_code, str(exc.detail))
