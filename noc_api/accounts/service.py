"""Staff users and site tokens."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from complaint_core.intake import normalise_phone
from complaint_core.roles import NEEDS_DEPARTMENT, NEEDS_SITE_OR_TOWN, NEEDS_TOWN, Actor, Role
from noc_api.db import models as m
from noc_api.db.base import utcnow
from noc_api.security import SESSION_PREFIX, hash_password, new_site_token, token_digest, verify_password


class AccountError(ValueError):
    """A user or token request that cannot be honoured; the message says why."""


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    town: str | None = None,
    department: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    site: str | None = None,
) -> m.User:
    """Create a staff user with an argon2-hashed password."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{1,63}", username):
        raise AccountError(f"username {username!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'")
    _check_password(password)
    try:
        r = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(x.value for x in Role)}") from None
    if r in NEEDS_TOWN and not town:
        raise AccountError(f"role {r.value} needs --town")
    if r in NEEDS_DEPARTMENT and not department:
        raise AccountError(f"role {r.value} needs --department")
    if r in NEEDS_SITE_OR_TOWN and not (site or town):
        raise AccountError(f"role {r.value} needs --site (the counter they work at) or --town")
    if phone:
        try:
            phone = normalise_phone(phone)  # officers get SMS: store it in the form the gateway takes
        except ValueError as exc:
            raise AccountError(f"phone {phone!r}: {exc}") from None
    if site:
        row = session.get(m.Site, site)
        if row is None or not row.active:
            raise AccountError(f"unknown site {site!r}")
    if town and session.get(m.Town, town) is None:
        raise AccountError(f"unknown town {town!r}")
    if department and session.get(m.Department, department) is None:
        raise AccountError(f"unknown department {department!r}")
    if session.scalar(select(m.User).where(m.User.username == username)):
        raise AccountError(f"user {username!r} already exists")
    user = m.User(
        username=username,
        full_name=full_name or username,
        password_hash=hash_password(password),
        role=r.value,
        town_id=town,
        department_id=department,
        site_id=site,
        phone=phone,
        email=email,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> m.User | None:
    """The active user with these credentials, or None (no lockout bookkeeping: the login use case does that)."""
    user = session.scalar(select(m.User).where(m.User.username == username, m.User.active.is_(True)))
    if user is None or not verify_password(user.password_hash, password):
        return None
    return user


def _user(session: Session, username: str) -> m.User:
    user = session.scalar(select(m.User).where(m.User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def open_session(session: Session, user: m.User, now: datetime, seconds: int, client: str = "") -> str:
    """Start a staff session; the clear token is returned once (cookie or bearer), only its digest is kept."""
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    session.add(
        m.StaffSession(
            user_id=user.id,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + timedelta(seconds=seconds),
            last_seen_at=now,
            client=client[:200],
        )
    )
    session.flush()
    return token


def user_for_session(session: Session, token: str, now: datetime) -> m.User | None:
    """The active user of an open, unexpired session, or None."""
    row = session.execute(
        select(m.StaffSession, m.User)
        .join(m.User, m.User.id == m.StaffSession.user_id)
        .where(
            m.StaffSession.token_hash == token_digest(token),
            m.StaffSession.revoked_at.is_(None),
            m.StaffSession.expires_at > now,
            m.User.active.is_(True),
        )
    ).first()
    return row[1] if row else None


_USERS, _SESSIONS = m.User.__table__, m.StaffSession.__table__
# Built once: every authenticated request asks it, and a statement built per call costs its cache key each time.
ACTOR_OF_TOKEN = (
    select(_USERS.c.id, _USERS.c.username, _USERS.c.role, _USERS.c.town_id, _USERS.c.department_id, _USERS.c.site_id)
    .select_from(_SESSIONS.join(_USERS, _USERS.c.id == _SESSIONS.c.user_id))
    .where(
        _SESSIONS.c.token_hash == bindparam("digest"),
        _SESSIONS.c.revoked_at.is_(None),
        _SESSIONS.c.expires_at > bindparam("now"),
        _USERS.c.active.is_(True),
    )
)


def actor_for_session_token(session: Session, token: str, now: datetime) -> Actor | None:
    """The actor of an open, unexpired session of an active user, or None: what every authenticated request asks.

    The same question as ``user_for_session``, asked in SQLAlchemy Core for the six columns an actor needs (no ORM
    objects to build and track), on the session's connection so it stays in the request's transaction.
    """
    params = {"digest": token_digest(token), "now": now}
    row = session.connection().execute(ACTOR_OF_TOKEN, params).first()
    return None if row is None else actor_of(row)


def end_session(session: Session, token: str, now: datetime) -> bool:
    """Log out: revoke this session; False when it was not open."""
    row = session.scalar(
        select(m.StaffSession).where(
            m.StaffSession.token_hash == token_digest(token), m.StaffSession.revoked_at.is_(None)
        )
    )
    if row is None:
        return False
    row.revoked_at = now
    return True


def revoke_sessions(session: Session, user_id: int, now: datetime) -> int:
    """End every open session of a user at once; returns how many."""
    rows = session.scalars(
        select(m.StaffSession).where(m.StaffSession.user_id == user_id, m.StaffSession.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now
    return len(rows)


def disable_user(session: Session, username: str, now: datetime) -> int:
    """Disable a user and end their sessions; returns how many sessions ended."""
    user = _user(session, username)
    user.active = False
    return revoke_sessions(session, user.id, now)


def enable_user(session: Session, username: str) -> None:
    """Let a disabled user log in again (and clear a lockout)."""
    user = _user(session, username)
    user.active, user.failed_logins, user.locked_until = True, 0, None


def set_password(session: Session, username: str, password: str, now: datetime) -> int:
    """A new password; every session of the user ends. Returns how many sessions ended."""
    _check_password(password)
    user = _user(session, username)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    return revoke_sessions(session, user.id, now)


def record_login_failure(user: m.User, now: datetime, limit: int, lock_seconds: int) -> None:
    """Count a wrong password; after ``limit`` in a row the account is locked for ``lock_seconds``."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= limit:
        user.locked_until = now + timedelta(seconds=lock_seconds)
        user.failed_logins = 0


def locked(user: m.User, now: datetime) -> float:
    """Seconds left of a lockout (0 when the account may log in)."""
    return max(0.0, (user.locked_until - now).total_seconds()) if user.locked_until else 0.0


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise AccountError("password must be at least 10 characters")
    if len(password) > 200:
        raise AccountError("password must be at most 200 characters")


def list_site_tokens(session: Session, site_id: str | None = None) -> list[m.SiteToken]:
    """Every site token (prefix, site, issued, revoked), newest first; never the token itself."""
    q = select(m.SiteToken).order_by(m.SiteToken.created_at.desc(), m.SiteToken.id.desc())
    if site_id:
        q = q.where(m.SiteToken.site_id == site_id)
    return list(session.scalars(q))


def revoke_site_token(session: Session, prefix: str) -> int:
    """Revoke the open tokens whose prefix is ``prefix`` (as `ccis tokens list` shows it); returns how many."""
    rows = session.scalars(
        select(m.SiteToken).where(m.SiteToken.prefix == prefix, m.SiteToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def issue_site_token(session: Session, site_id: str) -> str:
    """Create a token for a site's agent; the clear token is returned once and never stored."""
    site = session.get(m.Site, site_id)
    if site is None or not site.active:
        raise AccountError(f"unknown site {site_id!r}")
    token = new_site_token()
    session.add(m.SiteToken(site_id=site_id, token_hash=token_digest(token), prefix=token[:12]))
    session.flush()
    return token


def site_for_token(session: Session, token: str) -> str | None:
    """The site a valid, unrevoked token belongs to."""
    return site_of_token(session.connection(), token)


_TOKENS = m.SiteToken.__table__
SITE_OF_TOKEN = select(_TOKENS.c.site_id).where(
    _TOKENS.c.token_hash == bindparam("digest"), _TOKENS.c.revoked_at.is_(None)
)


def site_of_token(conn: Connection, token: str) -> str | None:
    """``site_for_token`` on a connection (asked in Core: every ingest batch asks it)."""
    return conn.scalar(SITE_OF_TOKEN, {"digest": token_digest(token)})


def revoke_site_tokens(session: Session, site_id: str) -> int:
    """Revoke every token of a site; returns how many."""
    rows = session.scalars(
        select(m.SiteToken).where(m.SiteToken.site_id == site_id, m.SiteToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def actor_of(user: m.User | Row) -> Actor:
    """The complaint core's view of a staff user (its row, or the six columns of one): role and scope."""
    return Actor(
        kind="staff",
        name=user.username,
        role=Role(user.role),
        user_id=user.id,
        town_id=user.town_id,
        department_id=user.department_id,
        site_id=user.site_id,
    )


def list_users(session: Session) -> list[m.User]:
    """Every staff user, by name."""
    return list(session.scalars(select(m.User).order_by(m.User.username)))


def get_user(session: Session, username: str) -> m.User:
    """One user by name; AccountError when there is none."""
    return _user(session, username)


def spend_link(session: Session, purpose: str, token: str, now: datetime) -> bool:
    """Mark a signed, state-changing link used; False when it was used before (it is honoured once)."""
    digest = token_digest(token)
    if session.get(m.UsedLink, digest) is not None:
        return False
    try:
        with session.begin_nested():  # two clicks at once: the second insert conflicts and is refused
            session.add(m.UsedLink(token_hash=digest, purpose=purpose, used_at=now))
    except IntegrityError:
        return False
    return True


def change_role(
    session: Session, username: str, *, role: str, town: str | None, department: str | None, site: str | None = None
) -> m.User:
    """Give a user another role and scope, checked as at creation (towns, departments and sites must exist)."""
    user = _user(session, username)
    try:
        r = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(x.value for x in Role)}") from None
    if r in NEEDS_TOWN and not town:
        raise AccountError(f"role {r.value} needs a town")
    if r in NEEDS_DEPARTMENT and not department:
        raise AccountError(f"role {r.value} needs a department")
    if r in NEEDS_SITE_OR_TOWN and not (site or town):
        raise AccountError(f"role {r.value} needs a site (the counter they work at) or a town")
    if town and session.get(m.Town, town) is None:
        raise AccountError(f"unknown town {town!r}")
    if department and session.get(m.Department, department) is None:
        raise AccountError(f"unknown department {department!r}")
    if site and session.get(m.Site, site) is None:
        raise AccountError(f"unknown site {site!r}")
    user.role, user.town_id, user.department_id, user.site_id = r.value, town, department, site
    return user
