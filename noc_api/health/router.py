"""NOC read API for staff: city state, outages, uptime, metric series, maintenance windows, live events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from complaint_core.roles import Actor, Role
from noc_api.deps import ActorDep, RuntimeDep, SessionDep, require_roles
from noc_api.health import queries as q
from noc_api.health.maintenance import MaintenanceError, add_window, delete_window, list_windows
from noc_api.health.schemas import CityStateOut, OutageOut, SeriesOut, UptimeOut, WindowOut
from noc_api.params import Moment, RowId

router = APIRouter(prefix="/api/v1/noc", tags=["noc"])
NocStaff = Depends(require_roles(Role.NOC, Role.ENGINEER))


@router.get("/state", responses={200: {"model": CityStateOut, "description": "The city now"}})
def get_state(actor: ActorDep, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Every site with its devices' states, the channels and the open outages."""
    return Response(q.city_state_json(session, runtime.topology, runtime.state_cache), media_type="application/json")


@router.get("/outages")
def get_outages(
    actor: ActorDep,
    session: SessionDep,
    open: bool = False,
    since: Moment | None = None,
    until: Moment | None = None,
    site: str | None = None,
    town: str | None = None,
    cause: str | None = None,
    scope: str | None = None,
    channel: str | None = None,
    limit: int = Query(200, ge=1, le=5000),
) -> list[OutageOut]:
    """Outages, newest first, filtered by time, site, town, cause, scope or channel."""
    return [OutageOut.model_validate(o) for o in q.outages(
        session, open_only=open, since=since, until=until, site=site, town=town, cause=cause, scope=scope,
        channel=channel, limit=limit,
    )]  # fmt: skip


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    if start >= end:
        raise HTTPException(422, "start must be before end")
    return start, end


@router.get("/uptime")
def get_uptime(
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    by: Literal["channel", "site", "town", "device"] = "channel",
    start: Moment | None = None,
    end: Moment | None = None,
) -> UptimeOut:
    """Uptime per channel, site, town or device over [start, end) (default: the last 30 days)."""
    a, b = _range(start, end)
    rows = q.uptime_report(session, runtime.topology, by, a, b, datetime.now(UTC))
    return UptimeOut.model_validate({"by": by, "start": a.isoformat(), "end": b.isoformat(), "items": rows})


@router.get("/devices/{device_id}/series")
def get_series(
    device_id: str,
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    metric: str,
    step: Literal["raw", "5m", "1h"] = "raw",
    labels: str | None = None,
    start: Moment | None = None,
    end: Moment | None = None,
) -> SeriesOut:
    """A device metric's points, raw or rolled up."""
    if device_id not in runtime.topology.devices:
        raise HTTPException(404, f"unknown device {device_id!r}")
    end = end or datetime.now(UTC)
    start = start or end - timedelta(hours=1)
    points = q.series(session, device_id, metric, start, end, step, labels)
    return SeriesOut.model_validate({"device_id": device_id, "metric": metric, "step": step, "points": points})


class WindowIn(BaseModel):
    scope: Literal["device", "site", "channel"]
    subject_id: str
    starts_at: Moment
    ends_at: Moment
    note: str = Field("", max_length=2000)


@router.get("/maintenance")
def get_windows(actor: ActorDep, session: SessionDep, current: bool = False) -> list[WindowOut]:
    """Maintenance windows (``current``: those not yet over)."""
    return [WindowOut.model_validate(w) for w in list_windows(session, datetime.now(UTC) if current else None)]


@router.post("/maintenance", status_code=201)
def post_window(body: WindowIn, session: SessionDep, runtime: RuntimeDep, actor: Actor = NocStaff) -> WindowOut:
    """Plan a maintenance window (NOC staff and engineers)."""
    try:
        w = add_window(session, runtime.topology, **body.model_dump(), by=actor.name)
    except MaintenanceError as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()
    return WindowOut.model_validate(w)


@router.delete("/maintenance/{window_id}", status_code=204)
def remove_window(window_id: RowId, session: SessionDep, actor: Actor = NocStaff) -> None:
    """Cancel a maintenance window."""
    if not delete_window(session, window_id):
        raise HTTPException(404, f"no maintenance window {window_id}")
    session.commit()
