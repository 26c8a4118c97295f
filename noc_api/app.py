"""The FastAPI application: built by ``create_app`` (no import-time side effects)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from noc_api.complaint_errors import install_complaint_errors
from noc_api.errors import install_error_handlers
from noc_api.routers import (
    alerts,
    auth,
    complaints,
    ingest,
    inventory,
    live,
    metrics,
    noc,
    open311,
    public_complaints,
    reports,
    system,
    tickets,
)
from noc_api.runtime import Runtime, start_runtime
from noc_api.settings import Settings, get_settings


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app. With no runtime given, one is started (inventory checked, DB migrated and synced)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "runtime", None) is None:
            app.state.runtime = start_runtime(settings or get_settings())
        rt: Runtime = app.state.runtime
        if rt.settings.run_scheduler:
            rt.scheduler.start()
        try:
            yield
        finally:
            if rt.scheduler.started:
                rt.scheduler.shutdown(release=True)
            if runtime is None:
                rt.engine.dispose()

    app = FastAPI(
        title="CCIS",
        summary="Citizen Complaint and Information System with its own network operations centre",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.include_router(system.router)
    app.include_router(auth.router)
    app.include_router(inventory.router)
    app.include_router(ingest.router)
    app.include_router(noc.router)
    app.include_router(live.router)
    app.include_router(metrics.router)
    install_complaint_errors(app)
    app.include_router(complaints.router)
    app.include_router(public_complaints.router)
    app.include_router(open311.router)
    app.include_router(alerts.router)
    app.include_router(reports.router)
    app.include_router(tickets.router)
    return app
