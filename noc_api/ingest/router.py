"""Agent endpoints: ingest batches and fetch the site's collection config."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from agents.wire import AgentConfig, IngestEnvelope, IngestResponse, ResultStatus
from noc_api.db.base import utcnow
from noc_api.deps import RuntimeDep, SiteDep
from noc_api.ingest.agent_config import agent_config
from noc_api.ingest.service import IngestForbidden, ingest

router = APIRouter(prefix="/api/v1", tags=["agents"])


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing (413) anything over ``limit`` bytes before parsing it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/ingest", response_model=IngestResponse)
async def post_ingest(request: Request, site: SiteDep, runtime: RuntimeDep) -> Response:
    """Store a batch of reports from a site agent; one result per report (accepted, duplicate, rejected)."""
    started = time.perf_counter()
    body = await _read_limited(request, runtime.settings.max_ingest_bytes)
    try:
        batch, refused = IngestEnvelope.read(body)  # a bad report is refused on its own; the rest is stored
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None
    try:
        answer = await run_in_threadpool(
            ingest,
            runtime.engine.begin,
            batch,
            series=runtime.series_ids,
            site_id=site,
            device_sites=runtime.device_sites,
            now=utcnow(),
            rejected=refused,
        )
    except IngestForbidden as exc:
        raise HTTPException(403, str(exc)) from None
    accepted = {r.report_id for r in answer.results if r.status == ResultStatus.ACCEPTED}
    stored = sum(len(r.device.readings) for r in batch.reports if r.device and r.report_id in accepted)
    runtime.metrics.observe_ingest(answer, time.perf_counter() - started, stored)
    # The answer is built by us from valid parts: encoded once, not validated again against response_model.
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/agents/{site_id}/config", response_model=AgentConfig)
def get_agent_config(site_id: str, site: SiteDep, runtime: RuntimeDep, request: Request, response: Response):  # noqa: ANN201
    """What the site's agent collects; ETag is the config id (If-None-Match gives 304)."""
    if site_id != site:
        raise HTTPException(403, f"the token of site {site!r} may not read the config of site {site_id!r}")
    config = agent_config(runtime.inventory, site_id, runtime.settings.heartbeat_seconds)
    if config is None:
        raise HTTPException(404, f"unknown site {site_id!r}")
    etag = f'"{config.config_id}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return config
