"""Staff login and logout, and the administrator's users and site tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from complaint_core.roles import Actor, Role
from noc_api.accounts import service
from noc_api.accounts.sessions import end_session, start_session
from noc_api.deps import ActorDep, RuntimeDep, SessionDep, SettingsDep, bearer_token, require_roles
from noc_api.security import SESSION_COOKIE, SESSION_SECONDS
from noc_api.system.client import client_address

router = APIRouter(prefix="/api/v1", tags=["auth"])
AdminDep = Annotated[Actor, Depends(require_roles(Role.ADMINISTRATOR))]


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class LoginOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    username: str
    role: str
    town_id: str | None
    department_id: str | None


class Me(BaseModel):
    username: str
    role: str
    town_id: str | None
    department_id: str | None


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/auth/login", response_model=LoginOut)
def login(
    body: Login, request: Request, response: Response, session: SessionDep, settings: SettingsDep, rt: RuntimeDep
) -> LoginOut:
    """Exchange a username and password for a session token (also set as an HttpOnly cookie for the pages).

    Throttled per address and user; locked for a while after repeated wrong passwords (429 with Retry-After)."""
    now = _now()
    address = client_address(request)
    outcome = rt.login_guard.login(session, body.username, body.password, address, now)
    if outcome.user is None:
        session.commit()  # keep the failure count
        headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None
        raise HTTPException(outcome.status, outcome.detail, headers=headers)
    user = outcome.user
    token = start_session(response, session, settings, user, request, now)
    session.commit()
    return LoginOut(
        access_token=token,
        expires_in=SESSION_SECONDS,
        username=user.username,
        role=user.role,
        town_id=user.town_id,
        department_id=user.department_id,
    )


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: SessionDep) -> Response:
    """End this session at once (the token stops working everywhere), and drop the cookie."""
    response = Response(status_code=204)
    end_session(response, session, bearer_token(request) or request.cookies.get(SESSION_COOKIE), _now())
    session.commit()
    return response


@router.get("/auth/me", response_model=Me)
async def me(actor: ActorDep) -> Me:
    """The logged-in user."""
    return Me(username=actor.name, role=actor.role, town_id=actor.town_id, department_id=actor.department_id)


class UserOut(BaseModel):
    username: str
    full_name: str
    role: str
    town_id: str | None
    department_id: str | None
    active: bool
    locked: bool


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=10, max_length=200)
    role: str = Field(min_length=1, max_length=30)
    full_name: str = Field("", max_length=200)
    town: str | None = Field(None, max_length=64)
    department: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)


class PasswordIn(BaseModel):
    password: str = Field(min_length=10, max_length=200)


class SessionsEnded(BaseModel):
    username: str
    sessions_ended: int


def _user_out(u) -> UserOut:  # noqa: ANN001
    now = _now()
    return UserOut(
        username=u.username,
        full_name=u.full_name,
        role=u.role,
        town_id=u.town_id,
        department_id=u.department_id,
        active=u.active,
        locked=service.locked(u, now) > 0,
    )


def _account(fn, *args):  # noqa: ANN001, ANN002, ANN202
    try:
        return fn(*args)
    except service.AccountError as exc:
        raise HTTPException(404 if str(exc).startswith("no user") else 422, str(exc)) from None


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, actor: AdminDep) -> list[UserOut]:
    """Every staff user with role, scope and whether they may log in (administrators only)."""
    return [_user_out(u) for u in service.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, session: SessionDep, actor: AdminDep) -> UserOut:
    """Create a staff user (administrators only)."""
    user = _account(lambda: service.add_user(session, **body.model_dump()))
    session.commit()
    return _user_out(user)


@router.post("/users/{username}/disable", response_model=SessionsEnded)
def disable(username: str, session: SessionDep, actor: AdminDep) -> SessionsEnded:
    """Disable a user: they cannot log in and their open sessions end at once."""
    if username == actor.name:
        raise HTTPException(422, "you cannot disable yourself")
    ended = _account(service.disable_user, session, username, _now())
    session.commit()
    return SessionsEnded(username=username, sessions_ended=ended)


@router.post("/users/{username}/enable", response_model=UserOut)
def enable(username: str, session: SessionDep, actor: AdminDep) -> UserOut:
    """Let a disabled or locked-out user log in again."""
    _account(service.enable_user, session, username)
    session.commit()
    return _user_out(_account(service.get_user, session, username))


@router.put("/users/{username}/password", response_model=SessionsEnded)
def reset_password(username: str, body: PasswordIn, session: SessionDep, actor: AdminDep) -> SessionsEnded:
    """Set a new password; every session of the user ends."""
    ended = _account(service.set_password, session, username, body.password, _now())
    session.commit()
    return SessionsEnded(username=username, sessions_ended=ended)


class SiteTokenOut(BaseModel):
    prefix: str
    site_id: str
    created_at: datetime
    revoked_at: datetime | None


class SiteTokenIssued(BaseModel):
    site_id: str
    token: str = Field(description="shown once: give it to the site's agent (--token-file)")
    prefix: str


class SiteTokenIn(BaseModel):
    site_id: str = Field(min_length=1, max_length=64)


@router.get("/site-tokens", response_model=list[SiteTokenOut])
def list_site_tokens(session: SessionDep, actor: AdminDep, site: str | None = None) -> list[SiteTokenOut]:
    """Site agents' tokens: prefix, site, issued, revoked (never the token)."""
    return [
        SiteTokenOut(prefix=t.prefix, site_id=t.site_id, created_at=t.created_at, revoked_at=t.revoked_at)
        for t in service.list_site_tokens(session, site)
    ]


@router.post("/site-tokens", response_model=SiteTokenIssued, status_code=201)
def issue_site_token(body: SiteTokenIn, session: SessionDep, actor: AdminDep) -> SiteTokenIssued:
    """Issue a token for a site's agent; the token is in this answer only."""
    token = _account(service.issue_site_token, session, body.site_id)
    session.commit()
    return SiteTokenIssued(site_id=body.site_id, token=token, prefix=token[:12])


@router.delete("/site-tokens/{prefix}", response_model=dict[str, int])
def revoke_site_token(prefix: str, session: SessionDep, actor: AdminDep) -> dict[str, int]:
    """Revoke a site token by its prefix; the agent using it is refused from its next batch."""
    n = service.revoke_site_token(session, prefix)
    if not n:
        raise HTTPException(404, f"no open site token with prefix {prefix!r}")
    session.commit()
    return {"revoked": n}
