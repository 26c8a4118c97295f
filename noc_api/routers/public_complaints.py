"""Public complaint tracking (no login): status by number + phone digits, reopen, rate, subscribe; the page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from complaint_core.roles import Actor
from noc_api.deps import RuntimeDep, SessionDep
from noc_api.schemas.complaints import FeedbackIn, ReopenIn, SubscriptionIn
from noc_api.services import complaint_api as svc

router = APIRouter(tags=["public"])
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))


@router.get("/api/v1/public/complaints/{tracking}")
def status(tracking: str, session: SessionDep, phone: Annotated[str, Query(min_length=4, max_length=20)]) -> dict:
    """Status, history of states and promised date; ``phone`` is the last 4 digits of the citizen's phone."""
    return svc.public_status(session, tracking, phone)


@router.post("/api/v1/public/complaints/{tracking}/reopen")
def reopen(tracking: str, body: ReopenIn, session: SessionDep, rt: RuntimeDep) -> dict:
    """Reopen a resolved complaint (twice at most; the second goes to an escalation officer)."""
    return svc.public_reopen(session, rt, tracking, body.phone_last4, body.words)


@router.post("/api/v1/public/complaints/{tracking}/feedback")
def rate(tracking: str, body: FeedbackIn, session: SessionDep, rt: RuntimeDep) -> dict:
    """Rate the resolution 1-5 (phone digits or the signed SMS link); 1-2 opens an appeal."""
    return svc.public_feedback(session, rt, tracking, body)


@router.post("/api/v1/public/subscriptions", status_code=201)
def subscribe(body: SubscriptionIn, session: SessionDep) -> dict:
    """A citizen subscribes to ward/town/category notices (Pune's ward notifications)."""
    return svc.add_subscription(session, Actor(kind="citizen", name="citizen"), body)


@router.get("/track", response_class=HTMLResponse, include_in_schema=False)
@router.get("/track/{tracking}", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request, tracking: str = "", t: str = "") -> HTMLResponse:
    """The public tracking page (the script calls the JSON endpoints above)."""
    return templates.TemplateResponse(request, "track.html", {"tracking": tracking.upper(), "token": t})
