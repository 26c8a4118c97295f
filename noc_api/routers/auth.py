"""Staff login and logout."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from noc_api.auth import SESSION_COOKIE, SESSION_SECONDS, ActorDep, session_token
from noc_api.deps import SessionDep, SettingsDep
from noc_api.services.accounts import authenticate

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


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


@router.post("/login", response_model=LoginOut)
def login(body: Login, response: Response, session: SessionDep, settings: SettingsDep) -> LoginOut:
    """Exchange a username and password for a bearer token (also set as an HttpOnly cookie for the pages)."""
    user = authenticate(session, body.username, body.password)
    if user is None:
        raise HTTPException(401, "wrong username or password")
    token = session_token(settings, user)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https"),
    )
    return LoginOut(
        access_token=token,
        expires_in=SESSION_SECONDS,
        username=user.username,
        role=user.role,
        town_id=user.town_id,
        department_id=user.department_id,
    )


@router.post("/logout", status_code=204)
def logout(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE)
    response.status_code = 204
    return response


@router.get("/me")
def me(actor: ActorDep) -> dict:
    """The logged-in user."""
    return {"username": actor.name, "role": actor.role, "town_id": actor.town_id, "department_id": actor.department_id}
