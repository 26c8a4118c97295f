"""Public complaint API (no login): lodge, status by number + tracking code or phone, reopen, rate, subscribe.

The tracking page is noc_api/web/track.py; it goes through the same public guard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from complaint_core.model import InvalidInput
from complaint_core.roles import Actor
from noc_api.complaints import service as svc
from noc_api.complaints.responses import (
    ConfirmedOut,
    PublicRegisteredOut,
    PublicStatusOut,
    RatedOut,
    ReopenOut,
    SubscriptionOut,
)
from noc_api.complaints.schemas import ConfirmIn, FeedbackIn, PublicRegisterIn, ReopenIn, SubscriptionIn
from noc_api.deps import DeskDep, RuntimeDep, SessionDep
from noc_api.params import IdempotencyKey
from noc_api.system.client import client_address

router = APIRouter(tags=["public"])


@router.post(
    "/api/v1/public/complaints",
    status_code=201,
    responses={200: {"model": PublicRegisteredOut, "description": "Sent before"}},
)
def lodge(
    body: PublicRegisterIn,
    request: Request,
    response: Response,
    session: SessionDep,
    desk: DeskDep,
    rt: RuntimeDep,
    key: IdempotencyKey = None,
) -> PublicRegisteredOut:
    """The citizen's web complaint form: no login; name, phone, category and description are required.
    Resent with the same `Idempotency-Key`, it answers 200 with the first registration."""
    rt.public_guard.admit(client_address(request), lodging=True)
    out, replayed = svc.public_register(session, desk, body.as_raw(), key, "public:" + client_address(request))
    if replayed:
        response.status_code = 200
    return out


@router.get("/api/v1/public/complaints/{tracking}")
def status(
    tracking: str,
    request: Request,
    session: SessionDep,
    desk: DeskDep,
    rt: RuntimeDep,
    code: Annotated[str | None, Query(min_length=8, max_length=20)] = None,
    phone: Annotated[str | None, Query(min_length=10, max_length=20)] = None,
) -> PublicStatusOut:
    """Status, history, promised date and the reasons given (rejection, delay, public notes), in the city's zone.
    The citizen proves it is theirs with ``code`` (the tracking code from the SMS or slip) or ``phone`` (the whole
    number it was lodged with); 20 wrong proofs from one address close that address for an hour."""
    proof = code or phone
    if not proof:
        raise InvalidInput([("code", "give the tracking code (from the SMS or slip) or the whole phone number")])
    rt.public_guard.admit(client_address(request))
    seen = rt.public_guard.verified(client_address(request), lambda: svc.public_status(session, desk, tracking, proof))
    return PublicStatusOut.model_validate(seen)


@router.post("/api/v1/public/complaints/{tracking}/reopen")
def reopen(
    tracking: str, body: ReopenIn, request: Request, session: SessionDep, desk: DeskDep, rt: RuntimeDep
) -> ReopenOut:
    """Reopen a resolved complaint, or one closed lately (twice at most; the second goes to an escalation officer)."""
    rt.public_guard.admit(client_address(request))
    proof = body.proof or ""
    return ReopenOut.model_validate(
        rt.public_guard.verified(
            client_address(request), lambda: svc.public_reopen(session, desk, tracking, proof, body.words)
        )
    )


@router.post("/api/v1/public/complaints/{tracking}/feedback")
def rate(
    tracking: str, body: FeedbackIn, request: Request, session: SessionDep, desk: DeskDep, rt: RuntimeDep
) -> RatedOut:
    """Rate the resolution 1-5 (the tracking code, the whole phone number or the signed SMS link); 1-2 opens an
    appeal."""
    rt.public_guard.admit(client_address(request))
    return RatedOut.model_validate(
        rt.public_guard.verified(client_address(request), lambda: svc.public_feedback(session, desk, tracking, body))
    )


@router.post("/api/v1/public/subscriptions", status_code=201)
def subscribe(
    body: SubscriptionIn, request: Request, session: SessionDep, desk: DeskDep, rt: RuntimeDep
) -> SubscriptionOut:
    """A citizen subscribes to ward/town/category notices (Pune's ward notifications)."""
    rt.public_guard.admit(client_address(request))
    citizen = Actor(kind="citizen", name="citizen")
    return SubscriptionOut.model_validate(svc.add_subscription(session, citizen, body, desk))


@router.post("/api/v1/public/subscriptions/confirm")
def confirm_subscription(
    body: ConfirmIn, request: Request, session: SessionDep, desk: DeskDep, rt: RuntimeDep
) -> ConfirmedOut:
    """The owner of the address confirms with the link's token; nothing is sent to an unconfirmed address."""
    rt.public_guard.admit(client_address(request))
    if not svc.confirm_subscription(session, desk, body.token):
        raise HTTPException(400, "the confirmation link is wrong or has expired: subscribe again")
    return ConfirmedOut(confirmed=True)
