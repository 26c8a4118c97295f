"""/api/v1/notifications: the log of the one outbox (it names recipients: alert notices to NOC staff, citizens'
messages to administrators only)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query

from complaint_core.roles import Role
from noc_api.deps import NocActorDep, SessionDep
from noc_api.notify.log import notification_log
from noc_api.notify.schemas import NotificationOut

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/notifications")
def notifications(
    session: SessionDep,
    actor: NocActorDep,
    source: Literal["alert", "complaint", "intake", "notice"] = "alert",
    status: Literal["pending", "sent", "failed"] | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[NotificationOut]:
    """The notification log of one source, each message with every delivery attempt and its result."""
    if source != "alert" and actor.role != Role.ADMINISTRATOR:
        raise HTTPException(403, f"only administrators see {source} messages (they carry citizens' contacts)")
    return [
        NotificationOut.model_validate(n) for n in notification_log(session, source=source, status=status, limit=limit)
    ]
