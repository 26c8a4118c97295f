"""The FastAPI application: built by ``create_app`` (no import-time side effects)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from noc_api.accounts import router as accounts
from noc_api.alerting import router as alerts
from noc_api.complaints import live as complaint_live
from noc_api.complaints import open311_router, public_router
from noc_api.complaints import router as complaints
from noc_api.complaints.errors import install_complaint_errors
from noc_api.errors import document_errors, install_error_handlers
from noc_api.health import live
from noc_api.health import router as noc
from noc_api.ingest import router as ingest
from noc_api.intake import router as intake
from noc_api.inventory import router as inventory
from noc_api.maintenance import router as maintenance
from noc_api.notices import pages as notice_pages
from noc_api.notices import router as notices
from noc_api.notify import router as notifications
from noc_api.reports import router as reports
from noc_api.runtime import Runtime, build
from noc_api.settings import Settings, get_settings
from noc_api.status import router as status
from noc_api.system import metrics_router
from noc_api.system import router as system
from noc_api.system.guards import BoundedCleanInput, SameOriginForCookies, SecurityHeaders
from noc_api.system.logs import install_access_log_redaction
from noc_api.system.memory import Trimmer, settle_heap, unsettle_heap
from noc_api.tickets import router as tickets
from noc_api.web import install_web

GIL_SWITCH_SECONDS = 0.0005


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, serving: bool = False) -> FastAPI:
    """Build the app. With no runtime given, one is started (inventory checked, DB migrated and synced).
    ``serving``: the app is its process's only one (`ccis serve`), so its start-up heap may be frozen."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "runtime", None) is None:
            app.state.runtime = build(settings or get_settings())
        rt: Runtime = app.state.runtime
        install_access_log_redaction()
        # A request thread whose database answer has arrived waits for the GIL; at Python's default 5 ms switch
        # interval that wait, paid at every round trip, was most of a registration under load (the tracking
        # counter's lock is held across several). 0.5 ms hands the GIL over sooner at little cost.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        anyio.to_thread.current_default_thread_limiter().total_tokens = rt.settings.request_threads
        if rt.settings.run_scheduler:
            rt.scheduler.start()
        trimmer = Trimmer(rt.settings.malloc_trim_seconds)
        trimmer.start()
        if serving:
            settle_heap()  # last: everything start-up made is in the heap now
        try:
            yield
        finally:
            if serving:
                unsettle_heap()
            trimmer.stop()
            if rt.scheduler.started:
                rt.scheduler.shutdown(release=True)
            rt.delivery.close()
            if runtime is None:
                rt.engine.dispose()
                if rt.read_engine is not None:
                    rt.read_engine.dispose()

    app = FastAPI(
        title="CCIS",
        summary="Citizen Complaint and Information System with its own network operations centre",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by noc_api.web from local assets (works offline)
        redoc_url=None,
    )
    app.state.runtime = runtime
    cfg = runtime.settings if runtime is not None else (settings or get_settings())
    app.add_middleware(SameOriginForCookies, public_base_url=cfg.public_base_url)
    app.add_middleware(BoundedCleanInput, max_body=cfg.max_body_bytes)
    app.add_middleware(SecurityHeaders, https=cfg.public_base_url.startswith("https"))
    install_error_handlers(app)
    document_errors(app)
    app.include_router(system.router)
    app.include_router(accounts.router)
    app.include_router(inventory.router)
    app.include_router(ingest.router)
    app.include_router(noc.router)
    app.include_router(live.router)
    app.include_router(metrics_router.router)
    install_complaint_errors(app)
    app.include_router(complaint_live.router)
    app.include_router(complaints.router)
    app.include_router(public_router.router)
    app.include_router(open311_router.router)
    app.include_router(intake.router)
    open311_router.install_open311_errors(app)
    app.include_router(alerts.router)
    app.include_router(notifications.router)
    app.include_router(reports.router)
    app.include_router(tickets.router)
    app.include_router(maintenance.router)
    app.include_router(notices.router)
    app.include_router(status.router)
    app.include_router(status.pages)
    app.include_router(notice_pages.router)
    install_web(app)  # last: its error pages wrap the API's handlers for browsers
    return app


def worker_app() -> FastAPI:
    """The app of one API worker of `ccis serve --workers N` (an import-string factory for uvicorn).

    The parent process migrated and synced the database once; each worker builds its own runtime on it. Every
    worker runs the scheduler, and the database leader lease keeps each background job to one of them.
    """
    settings = get_settings()
    return create_app(settings, runtime=build(settings, migrate=False, sync=False), serving=True)
