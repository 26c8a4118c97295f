"""Who is calling: staff users (signed session tokens) and site agents (site bearer tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from complaint_core.roles import Actor, Role
from noc_api.db import models as m
from noc_api.deps import SessionDep, SettingsDep
from noc_api.services.accounts import site_for_token
from noc_api.settings import Settings

SESSION_COOKIE = "ccis_session"
SESSION_SECONDS = 12 * 3600  # one shift


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=f"ccis-{purpose}")


def sign(settings: Settings, purpose: str, payload: object) -> str:
    """A signed, URL-safe token for ``purpose`` (sessions, acknowledgement links, feedback links...)."""
    return _serializer(settings, purpose).dumps(payload)


def unsign(settings: Settings, purpose: str, token: str, max_age: int) -> object:
    """The payload of a token signed for ``purpose``; ValueError when forged or expired."""
    try:
        return _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValueError("link expired") from None
    except BadSignature:
        raise ValueError("invalid link") from None


def session_token(settings: Settings, user: m.User) -> str:
    return sign(settings, "session", {"uid": user.id})


def actor_of(user: m.User) -> Actor:
    return Actor(
        kind="staff",
        name=user.username,
        role=Role(user.role),
        user_id=user.id,
        town_id=user.town_id,
        department_id=user.department_id,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def current_actor(request: Request, session: SessionDep, settings: SettingsDep) -> Actor:
    """The logged-in staff user, from the bearer header or the session cookie; 401 otherwise."""
    token = _bearer(request) or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Bearer"})
    try:
        payload = unsign(settings, "session", token, SESSION_SECONDS)
    except ValueError as exc:
        raise HTTPException(401, f"session {exc}", headers={"WWW-Authenticate": "Bearer"}) from None
    user = session.get(m.User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or not user.active:
        raise HTTPException(401, "user no longer active", headers={"WWW-Authenticate": "Bearer"})
    return actor_of(user)


def require_roles(*roles: Role):  # noqa: ANN201
    """A dependency that admits only staff with one of ``roles`` (administrators always)."""

    def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in roles and actor.role != Role.ADMINISTRATOR:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(403, f"role {actor.role} may not do this (allowed: {allowed})")
        return actor

    return check


def current_site(request: Request, session: SessionDep) -> str:
    """The site a bearer site token belongs to; 401 otherwise."""
    token = _bearer(request)
    if not token:
        raise HTTPException(401, "site token required", headers={"WWW-Authenticate": "Bearer"})
    site = site_for_token(session, token)
    if site is None:
        raise HTTPException(401, "unknown or revoked site token", headers={"WWW-Authenticate": "Bearer"})
    return site


ActorDep = Annotated[Actor, Depends(current_actor)]
SiteDep = Annotated[str, Depends(current_site)]
