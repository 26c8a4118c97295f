"""Staff sessions at the edge: started at login (the API or the login page), read on each request, ended at
logout. Both login paths call these, so a change to how sessions are kept is made once."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response
from sqlalchemy.orm import Session

from complaint_core.roles import Actor
from noc_api.accounts.service import actor_of, open_session, user_for_session
from noc_api.accounts.service import end_session as revoke_session
from noc_api.db import models as m
from noc_api.security import SESSION_COOKIE, SESSION_SECONDS
from noc_api.settings import Settings
from noc_api.system.client import client_address


def client_of(request: Request) -> str:
    """The caller's address and browser, as the session list shows them (never logged with a token)."""
    host = client_address(request)
    return f"{host} {request.headers.get('user-agent', '')[:150]}".strip()


def start_session(
    response: Response, session: Session, settings: Settings, user: m.User, request: Request, now: datetime
) -> str:
    """Open a server-side session for ``user`` and set its HttpOnly cookie; returns the token (shown once)."""
    token = open_session(session, user, now, SESSION_SECONDS, client_of(request))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https"),
    )
    return token


def end_session(response: Response, session: Session, token: str | None, now: datetime) -> None:
    """Log out: the session stops working everywhere, and the cookie is dropped."""
    if token:
        revoke_session(session, token, now)
    response.delete_cookie(SESSION_COOKIE)


def actor_for_token(session: Session, token: str | None, now: datetime) -> Actor | None:
    """The staff user of an open session, or None."""
    user = user_for_session(session, token, now) if token else None
    return actor_of(user) if user is not None else None
