"""Typed FastAPI dependencies: the runtime's parts, a session per request, and who is calling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from complaint_core.roles import Actor, Role
from noc_api.accounts.service import actor_for_session_token, site_of_token
from noc_api.alerting.routing_file import RoutingFile
from noc_api.complaints.desk import ComplaintDesk
from noc_api.runtime import Runtime
from noc_api.security import SESSION_COOKIE
from noc_api.settings import Settings

log = logging.getLogger(__name__)

# Dependencies that do no I/O are ``async def``: FastAPI runs every plain ``def`` dependency in the thread pool,
# and each such hop (queue, wake a thread, wake the loop) cost more than the work itself.


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[Session]:
    """A session per request; the route commits what it means to keep, the rest is rolled back.

    Making a session touches no database, so it is made on the loop; closing one that still holds a connection
    (a rollback, a round trip on PostgreSQL) goes to the thread pool, closing one the route committed does not.
    """
    session = runtime.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(close_quietly, session)
        else:
            close_quietly(session)


def get_read_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """A session on the read replica (the primary when none is configured), for reports that may lag a moment."""
    session = runtime.read_sessions()
    try:
        yield session
    finally:
        close_quietly(session)


def close_quietly(session: Session) -> None:
    """End a request's session; a connection the database dropped meanwhile (a failover, an administrator's kill)
    is thrown away. Its rollback failing here, after the answer has started, would cut the client's connection
    instead of finishing the answer."""
    try:
        session.close()
    except SQLAlchemyError as exc:
        log.warning("a request's database connection was lost at its end, and is dropped: %s", exc.__class__.__name__)
        session.invalidate()


async def get_settings_dep(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    return runtime.settings


async def get_desk(runtime: Annotated[Runtime, Depends(get_runtime)]) -> ComplaintDesk:
    return runtime.desk


async def get_routing(runtime: Annotated[Runtime, Depends(get_runtime)]) -> RoutingFile:
    return runtime.routing


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DeskDep = Annotated[ComplaintDesk, Depends(get_desk)]
RoutingDep = Annotated[RoutingFile, Depends(get_routing)]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if any."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def current_actor(request: Request, session: SessionDep) -> Actor:
    """The logged-in staff user, from the bearer header or the session cookie; 401 otherwise."""
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if not token:
        raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Bearer"})
    actor = actor_for_session_token(session, token, datetime.now(UTC))
    # The lookup's connection goes back to the pool now: a request waiting for a thread for its endpoint must
    # not hold one (an overloaded server would run out of connections, not just be slow).
    session.rollback()
    if actor is None:
        raise HTTPException(401, "session ended or expired: log in again", headers={"WWW-Authenticate": "Bearer"})
    return actor


def require_roles(*roles: Role):  # noqa: ANN201
    """A dependency that admits only staff with one of ``roles`` (administrators always)."""

    async def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in roles and actor.role != Role.ADMINISTRATOR:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(403, f"role {actor.role} may not do this (allowed: {allowed})")
        return actor

    return check


def current_site(request: Request, runtime: RuntimeDep) -> str:
    """The site a bearer site token belongs to; 401 otherwise. Asked on a connection of its own, given back at
    once: ingest stores in a transaction of its own, and a batch waiting for a thread must not hold one."""
    token = bearer_token(request)
    if not token:
        raise HTTPException(401, "site token required", headers={"WWW-Authenticate": "Bearer"})
    with runtime.engine.connect() as conn:
        site = site_of_token(conn, token)
    if site is None:
        raise HTTPException(401, "unknown or revoked site token", headers={"WWW-Authenticate": "Bearer"})
    return site


ActorDep = Annotated[Actor, Depends(current_actor)]
SiteDep = Annotated[str, Depends(current_site)]

# Who may act on the NOC (acknowledge, silence, end silences, maintenance): an acknowledgement stops escalation,
# a silence mutes alerts, so a counter clerk must not. Administrators always may (require_roles admits them).
NOC_ACTORS = frozenset({Role.NOC, Role.ENGINEER, Role.ADMINISTRATOR})
NocActorDep = Annotated[Actor, Depends(require_roles(Role.NOC, Role.ENGINEER))]
StaffOnlyDep = ActorDep  # any logged-in staff user: inventory details are not public
