"""Live complaint arrivals (Server-Sent Events) for the workspace's queue pages, scoped to the viewer.

Each event names one complaint registered since the stream began (or since ``Last-Event-ID`` on a reconnect)
that the viewer's role, town and department let them see; complaints outside that scope are never sent."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from complaint_core.roles import Actor
from complaint_core.services.queries import arrivals
from noc_api.deps import ActorDep, RuntimeDep
from noc_api.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["complaints"])
KEEPALIVE_SECONDS = 15.0


def _arrivals(runtime: Runtime, actor: Actor, after: int | None) -> tuple[int, list[dict]]:
    with runtime.sessions() as session:
        return arrivals(session, actor=actor, after_id=after)


def _event(row: dict) -> str:
    body = {k: row[k] for k in ("tracking_number", "status", "category_id", "town_id", "ward", "registered_at")}
    body["registered_at"] = row["registered_at"].isoformat()
    return f"id: {row['id']}\nevent: complaint\ndata: {json.dumps(body, separators=(',', ':'))}\n\n"


async def _events(request: Request, runtime: Runtime, actor: Actor, after: int | None) -> AsyncIterator[str]:
    if after is None:
        after, _ = await run_in_threadpool(_arrivals, runtime, actor, None)
    started = quiet = time.monotonic()
    yield "retry: 2000\n\n: listening\n\n"
    while time.monotonic() - started < runtime.settings.complaint_stream_seconds:
        if await request.is_disconnected():
            return
        after, rows = await run_in_threadpool(_arrivals, runtime, actor, after)
        for row in rows:
            quiet = time.monotonic()
            yield _event(row)
        if time.monotonic() - quiet > KEEPALIVE_SECONDS:
            quiet = time.monotonic()
            yield f"id: {after}\n: keepalive\n\n"
        await asyncio.sleep(runtime.settings.sse_poll_seconds)


@router.get(
    "/events/complaints",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "A stream of `complaint` events, one per complaint registered in the viewer's scope",
        }
    },
)
async def complaint_events(request: Request, actor: ActorDep, runtime: RuntimeDep) -> StreamingResponse:
    """Server-Sent Events: `complaint` (tracking number, status, category, town, ward, when) for each complaint
    registered from now on that you may see. The stream ends after `CCIS_COMPLAINT_STREAM_SECONDS` (a minute) and
    the browser reconnects, logging in again; `Last-Event-ID` resumes after that event."""
    last = request.headers.get("last-event-id", "")
    after = int(last) if last.isdigit() and len(last) < 12 else None
    await run_in_threadpool(_arrivals, runtime, actor, None)  # a role that sees nothing is refused (403) here
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_events(request, runtime, actor, after), media_type="text/event-stream", headers=headers)
