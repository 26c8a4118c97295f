"""Complaint-domain errors as HTTP answers (same JSON shape as every other error)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from complaint_core.model import DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound


def install_complaint_errors(app: FastAPI) -> None:
    """Map domain errors: 422 bad input, 409 illegal move or stale version (Conflict), 404, 403."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        body: dict = {"detail": str(exc)}
        if isinstance(exc, InvalidInput):
            status = 422
            body["errors"] = [{"loc": f, "msg": m} for f, m in exc.errors]
        elif isinstance(exc, IllegalTransition):
            status = 409
            body["allowed"] = exc.allowed
        elif isinstance(exc, NotFound):
            status = 404
        elif isinstance(exc, Forbidden):
            status = 403
        else:
            status = 409
        body["status"] = status
        return JSONResponse(body, status_code=status)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        msg = "the complaint was changed by someone else at the same time; reload and try again"
        return JSONResponse({"detail": msg, "status": 409}, status_code=409)
