"""Internal tickets raised by hand for planned work, linked to a maintenance window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from complaint_core.roles import Actor, Role
from noc_api.deps import RuntimeDep, SessionDep, require_roles
from noc_api.params import RowId
from noc_api.tickets.planned import PlannedError, ticket_for_window

router = APIRouter(prefix="/api/v1", tags=["tickets"])
NOC_STAFF = require_roles(Role.NOC, Role.ENGINEER)


class PlannedIn(BaseModel):
    note: str = Field("", max_length=2000)


class PlannedTicketOut(BaseModel):
    """The internal ticket of a maintenance window."""

    tracking_number: str
    window_id: int


@router.post("/noc/maintenance/{window_id}/ticket", status_code=201)
def raise_planned_ticket(
    window_id: RowId,
    body: PlannedIn,
    session: SessionDep,
    runtime: RuntimeDep,
    actor: Annotated[Actor, Depends(NOC_STAFF)],
) -> PlannedTicketOut:
    """Raise (once) the internal ticket for a maintenance window; a second call returns the same ticket."""
    try:
        tracking = ticket_for_window(
            session,
            runtime.desk,
            runtime.topology,
            window_id=window_id,
            note=body.note,
            actor=actor,
            now=datetime.now(UTC),
        )
    except PlannedError as exc:
        raise HTTPException(404, str(exc)) from None
    session.commit()
    return PlannedTicketOut(tracking_number=tracking, window_id=window_id)
