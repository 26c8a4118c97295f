"""Staff complaint API: register, find, act, edit, QC queue, subscriptions, printed slip."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from complaint_core.lifecycle import ACTIONS
from complaint_core.model import InvalidInput
from complaint_core.services.queries import SearchFilters
from noc_api.auth import ActorDep
from noc_api.deps import RuntimeDep, SessionDep
from noc_api.schemas.complaints import ActionIn, EditIn, RegisterIn, SubscriptionIn
from noc_api.services import complaint_api as svc
from noc_api.services.complaint_slip import slip_pdf

router = APIRouter(prefix="/api/v1", tags=["complaints"])


@router.post("/complaints", status_code=201)
def register(body: RegisterIn, actor: ActorDep, session: SessionDep, rt: RuntimeDep) -> dict:
    """Register a complaint from any channel; answers at once with the tracking number and promised date."""
    return svc.register(session, rt, actor, body.as_raw())


@router.get("/complaints")
def search(
    actor: ActorDep,
    session: SessionDep,
    tracking_number: str | None = None,
    phone: str | None = None,
    cnic: str | None = None,
    q: Annotated[str | None, Query(description="words of the description")] = None,
    town: str | None = None,
    department: str | None = None,
    category: str | None = None,
    status: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
    kind: str | None = None,
    registered_from: datetime | None = None,
    registered_to: datetime | None = None,
    overdue: bool = False,
    assignee: str | None = None,
    channel: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict]:
    """Search within your scope (town, department, own queue)."""
    f = SearchFilters(
        tracking_number,
        phone,
        cnic,
        q,
        town,
        department,
        category,
        tuple(status),
        kind,
        registered_from,
        registered_to,
        overdue,
        assignee,
        channel,
    )
    return svc.search(session, actor, f, limit, offset)


@router.get("/complaints/duplicates")
def duplicates(
    rt: RuntimeDep,
    actor: ActorDep,
    session: SessionDep,
    category: str,
    lat: float | None = None,
    lon: float | None = None,
    phone: str | None = None,
) -> list[dict]:
    """Possible duplicates before registering: same category nearby, or same phone and category lately."""
    return svc.duplicates(session, rt, category, lat, lon, phone)


@router.get("/complaints/qc-queue")
def qc_queue(actor: ActorDep, session: SessionDep) -> list[dict]:
    """Resolved complaints the QC desk should call back."""
    return svc.qc_queue(session, actor)


@router.get("/complaints/{tracking}")
def detail(tracking: str, actor: ActorDep, session: SessionDep) -> dict:
    """One complaint with its history and the actions you may take."""
    return svc.detail(session, actor, tracking)


@router.patch("/complaints/{tracking}")
def edit(tracking: str, body: EditIn, actor: ActorDep, session: SessionDep, rt: RuntimeDep) -> dict:
    """Edit citizen-given fields; send the version you read (409 if someone changed it since)."""
    return svc.edit(session, rt, actor, tracking, body.version, body.changes)


@router.post("/complaints/{tracking}/actions/{action}")
def act(tracking: str, action: str, body: ActionIn, actor: ActorDep, session: SessionDep, rt: RuntimeDep) -> dict:
    """A lifecycle move (assign, start, resolve, verify, close, reopen, reject...); 409 lists the allowed ones."""
    if action not in ACTIONS:
        raise InvalidInput([("action", f"unknown action {action!r}; known: {', '.join(ACTIONS)}")])
    return svc.act(session, rt, actor, tracking, action, body)


@router.get("/complaints/{tracking}/slip.pdf")
def slip(tracking: str, actor: ActorDep, session: SessionDep, rt: RuntimeDep) -> Response:
    """The printed complaint document / counter slip."""
    data = svc.slip_data(session, rt, actor, tracking)
    return Response(
        slip_pdf(data),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{data["tracking_number"]}.pdf"'},
    )


@router.post("/complaints/{tracking}/feedback-link")
def feedback_link(tracking: str, actor: ActorDep, session: SessionDep, rt: RuntimeDep) -> dict:
    """A signed, expiring link the citizen can rate the resolution with (sent by SMS)."""
    svc.detail(session, actor, tracking)  # scope check
    token = svc.feedback_token(rt, tracking)
    return {"token": token, "url": f"{rt.settings.public_base_url.rstrip('/')}/track/{tracking.upper()}?t={token}"}


@router.post("/subscriptions", status_code=201)
def subscribe(body: SubscriptionIn, actor: ActorDep, session: SessionDep) -> dict:
    """Subscribe to new or resolved complaints of a town, ward or category."""
    return svc.add_subscription(session, actor, body)
