"""Live updates (Server-Sent Events): the NOC wall (noc_api.web.noc) listens and refreshes on each event."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from noc_api.deps import ActorDep, RuntimeDep
from noc_api.health import queries as q
from noc_api.runtime import Runtime

router = APIRouter(tags=["noc"])
STREAM_SECONDS = 300.0  # a stream ends after this; EventSource reconnects (lets servers shut down cleanly)
KEEPALIVE_SECONDS = 15.0


def _summary(runtime: Runtime, last: tuple | None) -> tuple[tuple, dict | None]:
    """The change marker, and the city summary only when the marker moved (a quiet poll stays cheap)."""
    with runtime.sessions() as session:
        marker = q.change_marker(session)
        if marker == last:
            return marker, None
        state = q.city_state(session, runtime.topology)
    sites = [{k: s.get(k) for k in ("id", "state", "reason", "since", "town_id")} for s in state["sites"]]
    return marker, {"sites": sites, "channels": state["channels"], "outages": state["outages"]}


async def _events(request: Request, runtime: Runtime) -> AsyncIterator[str]:
    last = None
    started = quiet = time.monotonic()
    yield "retry: 2000\n\n"
    while time.monotonic() - started < STREAM_SECONDS:
        if await request.is_disconnected():
            return
        marker, body = await run_in_threadpool(_summary, runtime, last)
        if body is not None:
            last, quiet = marker, time.monotonic()
            yield f"event: health\ndata: {json.dumps(body, separators=(',', ':'))}\n\n"
        elif time.monotonic() - quiet > KEEPALIVE_SECONDS:
            quiet = time.monotonic()
            yield ": keepalive\n\n"
        await asyncio.sleep(runtime.settings.sse_poll_seconds)


@router.get(
    "/api/v1/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "A stream of `health` events",
        }
    },
)
async def events(request: Request, actor: ActorDep, runtime: RuntimeDep) -> StreamingResponse:
    """Server-Sent Events: `health` with sites, channels and open outages whenever they change."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_events(request, runtime), media_type="text/event-stream", headers=headers)
