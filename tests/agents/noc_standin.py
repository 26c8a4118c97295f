"""A real HTTP NOC stand-in for agent tests: the two wire endpoints of agents/wire.py on 127.0.0.1 (uvicorn).

It can be stopped and started again on the same port (the NOC is down: connections are refused), answer
slowly (it stores, then sleeps past the agent's timeout, as an overloaded NOC does), or reject chosen reports.
It stores each report id once and answers ``duplicate`` for a resend, like the real ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agents.wire import AgentConfig, IngestBatch, IngestResponse, ReportResult, ResultStatus


class NocStandIn:
    """Start with `start()`, stop with `stop()`; state survives restarts (it is the NOC's database)."""

    def __init__(
        self, port: int, token: str, config: AgentConfig | None = None, tls: tuple[str, str] | None = None
    ) -> None:
        self.port, self.token, self.config = port, token, config
        self.tls = tls  # (certfile, keyfile): serve HTTPS
        self.stored: dict[str, dict] = {}  # report_id -> report JSON
        self.deliveries: Counter[str] = Counter()  # report_id -> times it arrived
        self.duplicates = 0
        self.batches = 0
        self.accepted_at: list[float] = []  # time.monotonic() of each batch that stored something new
        self.slow_seconds = 0.0
        self.slow_requests = 0  # answer this many ingest requests slowly
        self.reject_ids: set[str] = set()
        self.crash_ids: set[str] = set()  # a batch holding one of these gets a 500 (a NOC bug on that report)
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    async def _config(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"detail": "bad token", "status": 401}, status_code=401)
        if self.config is None or request.path_params["site"] != self.config.site_id:
            return JSONResponse({"detail": "unknown site", "status": 404}, status_code=404)
        return Response(self.config.model_dump_json(), media_type="application/json")

    async def _ingest(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"detail": "bad token", "status": 401}, status_code=401)
        try:
            batch = IngestBatch.model_validate_json(await request.body())
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)[:500], "status": 422}, status_code=422)
        results = []
        if any(r.report_id in self.crash_ids for r in batch.reports):
            with self._lock:
                self.batches += 1
            return Response("Internal Server Error", status_code=500, media_type="text/plain")
        with self._lock:
            self.batches += 1
            for r in batch.reports:
                self.deliveries[r.report_id] += 1
                if r.report_id in self.reject_ids:
                    results.append(ReportResult(report_id=r.report_id, status=ResultStatus.REJECTED, reason="test"))
                elif r.report_id in self.stored:
                    self.duplicates += 1
                    results.append(ReportResult(report_id=r.report_id, status=ResultStatus.DUPLICATE))
                else:
                    self.stored[r.report_id] = r.model_dump(mode="json")
                    results.append(ReportResult(report_id=r.report_id, status=ResultStatus.ACCEPTED))
            if any(x.status is ResultStatus.ACCEPTED for x in results):
                self.accepted_at.append(time.monotonic())
            slow = self.slow_requests > 0
            self.slow_requests -= 1 if slow else 0
        if slow:  # stored, but the answer comes too late: the agent will resend and must be told "duplicate"
            await asyncio.sleep(self.slow_seconds)
        body = IngestResponse(results=results, server_time=batch.agent_clock)
        return Response(body.model_dump_json(), media_type="application/json")

    def app(self) -> Starlette:
        """The ASGI app."""
        return Starlette(
            routes=[
                Route("/api/v1/agents/{site}/config", self._config, methods=["GET"]),
                Route("/api/v1/ingest", self._ingest, methods=["POST"]),
            ]
        )

    def start(self) -> None:
        """Listen on 127.0.0.1:port (again)."""
        config = uvicorn.Config(
            self.app(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            ssl_certfile=self.tls[0] if self.tls else None,
            ssl_keyfile=self.tls[1] if self.tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"NOC stand-in did not start on 127.0.0.1:{self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop listening: the agent now gets connection refused."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = self._thread = None


@contextlib.contextmanager
def running(noc: NocStandIn):
    """Start ``noc``; stop it whatever happens."""
    noc.start()
    try:
        yield noc
    finally:
        noc.stop()
