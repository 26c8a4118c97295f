"""Every error is JSON with a clear message: {"detail": "...", "status": N[, "errors": [...]]}."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from noc_api.db.engine import ReplicaUnavailable


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "request"


log = logging.getLogger("ccis.errors")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = {"detail": exc.detail, "status": exc.status_code}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": _where(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        message = "; ".join(f"{e['loc']}: {e['msg']}" for e in errors)
        return JSONResponse({"detail": message, "status": 422, "errors": errors}, status_code=422)

    @app.exception_handler(ReplicaUnavailable)
    async def _replica(request: Request, exc: ReplicaUnavailable) -> JSONResponse:
        # Only what reads the replica fails: registration and everything else still use the primary.
        log.warning("read replica unavailable for %s %s: %s", request.method, request.url.path, exc)
        body = {
            "detail": "the reports' read replica (CCIS_READ_DATABASE_URL) is unavailable; try again soon "
            "(complaints can still be registered)",
            "status": 503,
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # A dropped or refused database connection is the database being away, not a bug: 503, try again soon
        # (the pool pings and replaces dead connections, so the server recovers without a restart).
        if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
            log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc.orig)
            body = {"detail": "the database is unavailable for a moment; try again", "status": 503}
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        return await _unexpected(request, exc)

    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection of this process in use for POOL_WAIT seconds: overload, not a bug; the client retries.
        log.warning("no free database connection for %s %s", request.method, request.url.path)
        body = {"detail": "the server is busy; try again in a moment", "status": 503}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a plain-text 500: a JSON answer with an id the log line carries too, traceback in the log only.
        ident = uuid.uuid4().hex[:12]
        log.error("request %s %s failed (request id %s)", request.method, request.url.path, ident, exc_info=exc)
        body = {"detail": f"internal error; quote request id {ident}", "status": 500, "request_id": ident}
        return JSONResponse(body, status_code=500)


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail", "status"],
    "properties": {
        "detail": {"type": "string", "description": "what is wrong, in words"},
        "status": {"type": "integer"},
        "errors": {
            "type": "array",
            "description": "each invalid field: where it is and what is wrong with it",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}, "type": {"type": "string"}},
            },
        },
    },
}


def document_errors(app: FastAPI) -> None:
    """Make /openapi.json describe the error bodies this app really sends (not FastAPI's default 422 shape)."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = build()
            schemas = spec.get("components", {}).get("schemas", {})
            schemas["HTTPValidationError"] = ERROR_SCHEMA
            schemas.pop("ValidationError", None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
