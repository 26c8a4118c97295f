"""Area notices: staff publish and withdraw them; anyone reads the current ones and subscribes (confirmed by a
code sent to the phone or mail before anything else is sent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from complaint_core.roles import Actor, Role
from noc_api.deps import ActorDep, RuntimeDep, SessionDep, require_roles
from noc_api.notices import service
from noc_api.notices.schemas import NoticeOut
from noc_api.params import RowId
from noc_api.runtime import Runtime
from noc_api.system.client import client_address

router = APIRouter(tags=["notices"])
# NOC staff tell the city about their channels, town heads about their town; administrators always may.
Publisher = Annotated[Actor, Depends(require_roles(Role.NOC, Role.ENGINEER, Role.TOWN_HEAD))]


class NoticeIn(BaseModel):
    kind: Literal["water_cut", "road_closure", "counter_closed", "other"]
    title: str = Field(min_length=3, max_length=200)
    body: str = Field("", max_length=2000)
    town_id: str | None = Field(None, max_length=64)
    ward: str | None = Field(None, max_length=100)
    starts_at: AwareDatetime | None = None  # default: now
    ends_at: AwareDatetime | None = None


class SubscribeIn(BaseModel):
    medium: Literal["sms", "email"]
    address: str = Field(min_length=3, max_length=300)
    town_id: str | None = Field(None, max_length=64)
    ward: str | None = Field(None, max_length=100)


class ConfirmIn(BaseModel):
    medium: Literal["sms", "email"]
    address: str = Field(min_length=3, max_length=300)
    code: str = Field(min_length=4, max_length=10)


def _scope(actor: Actor, town_id: str | None) -> None:
    """A town head publishes and withdraws for their own town only."""
    if actor.role == Role.TOWN_HEAD and (town_id is None or town_id != actor.town_id):
        raise HTTPException(403, "a town head publishes notices for their own town only")


def _board_soon(rt: Runtime) -> None:
    rt.status_board.changed()  # the public pages show it within a moment (on the leader; others within a refresh)


class CodeSentOut(BaseModel):
    status: str
    confirm_within_minutes: int


class NoticeConfirmedOut(BaseModel):
    status: str
    subscriptions: int  # how many of the address's pending subscriptions the code confirmed


@router.get("/api/v1/notices")
def current_notices(
    request: Request, session: SessionDep, rt: RuntimeDep, town: Annotated[str | None, Query(max_length=64)] = None
) -> list[NoticeOut]:
    """Notices valid now (``town``: that town's and the city-wide ones), newest first."""
    rt.public_guard.admit(client_address(request))
    return [NoticeOut.model_validate(n) for n in service.current(session, datetime.now(UTC), town)]


@router.get("/api/v1/notices/history")
def history(session: SessionDep, actor: ActorDep, days: Annotated[int, Query(ge=1, le=365)] = 30) -> list[NoticeOut]:
    """Every notice in force at some time in the last ``days`` days, withdrawn ones too (staff)."""
    since = datetime.now(UTC) - timedelta(days=days)
    return [NoticeOut.model_validate(n) for n in service.listing(session, since)]


@router.post("/api/v1/notices", status_code=201)
def publish(body: NoticeIn, session: SessionDep, rt: RuntimeDep, actor: Publisher) -> NoticeOut:
    """Publish a notice for a town or ward (no town: the whole city); subscribers get it once it is valid."""
    _scope(actor, body.town_id)
    now = datetime.now(UTC)
    try:
        n = service.publish(
            session, rt.notice_area, kind=body.kind, title=body.title, body=body.body, town_id=body.town_id,
            ward=body.ward, starts_at=body.starts_at or now, ends_at=body.ends_at, by=actor.name, now=now,
        )  # fmt: skip
    except service.NoticeError as exc:
        raise HTTPException(422, str(exc)) from None
    out = NoticeOut.model_validate(service.notice_dict(n))
    session.commit()
    _board_soon(rt)
    return out


@router.post("/api/v1/notices/{notice_id}/withdraw")
def withdraw(notice_id: RowId, session: SessionDep, rt: RuntimeDep, actor: Publisher) -> NoticeOut:
    """End a notice now."""
    found = session.get(service.AreaNotice, notice_id)
    if found is None:
        raise HTTPException(404, f"no notice {notice_id}")
    _scope(actor, found.town_id)
    if found.auto_key is not None:
        raise HTTPException(409, "an automatic notice is withdrawn by the NOC when its channel is back")
    n = service.withdraw(session, notice_id, actor.name, datetime.now(UTC))
    assert n is not None
    out = NoticeOut.model_validate(service.notice_dict(n))
    session.commit()
    _board_soon(rt)
    return out


@router.post("/api/v1/public/notice-subscriptions", status_code=202)
def subscribe(body: SubscribeIn, request: Request, session: SessionDep, rt: RuntimeDep) -> CodeSentOut:
    """Ask for a town's (or ward's, or the whole city's) notices; a code is sent to the address to confirm."""
    rt.public_guard.admit(client_address(request), lodging=True)  # each ask sends a message: the tighter limit
    try:
        service.request_subscription(
            session, rt.notice_area, rt.settings.signing_key, medium=body.medium, address=body.address,
            town_id=body.town_id, ward=body.ward, now=datetime.now(UTC),
        )  # fmt: skip
    except service.NoticeError as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()
    return CodeSentOut(status="code sent", confirm_within_minutes=service.CODE_MINUTES)


@router.post("/api/v1/public/notice-subscriptions/confirm")
def confirm(body: ConfirmIn, request: Request, session: SessionDep, rt: RuntimeDep) -> NoticeConfirmedOut:
    """Confirm with the code that was sent; only confirmed subscriptions get notices."""
    rt.public_guard.admit(client_address(request))
    try:
        done = service.confirm_subscription(
            session, rt.settings.signing_key, medium=body.medium, address=body.address, code=body.code,
            now=datetime.now(UTC),
        )  # fmt: skip
    except service.NoticeError as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()  # the wrong tries count even when this one fails
    if not done:
        raise HTTPException(422, "wrong or expired code; ask for a new one")
    return NoticeConfirmedOut(status="confirmed", subscriptions=len(done))
