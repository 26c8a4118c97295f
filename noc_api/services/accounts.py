"""Staff users and site tokens."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.roles import NEEDS_DEPARTMENT, NEEDS_TOWN, Role
from noc_api.db import models as m
from noc_api.db.base import utcnow
from noc_api.security import hash_password, new_site_token, token_digest, verify_password


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
) -> m.User:
    """Create a staff user with an argon2-hashed password."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{1,63}", username):
        raise AccountError(f"username {username!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'")
    if len(password) < 10:
        raise AccountError("password must be at least 10 characters")
    try:
        r = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(x.value for x in Role)}") from None
    if r in NEEDS_TOWN and not town:
        raise AccountError(f"role {r.value} needs --town")
    if r in NEEDS_DEPARTMENT and not department:
        raise AccountError(f"role {r.value} needs --department")
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
        phone=phone,
        email=email,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> m.User | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(m.User).where(m.User.username == username, m.User.active.is_(True)))
    if user is None or not verify_password(user.password_hash, password):
        return None
    return user


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
    row = session.scalar(
        select(m.SiteToken).where(m.SiteToken.token_hash == token_digest(token), m.SiteToken.revoked_at.is_(None))
    )
    return row.site_id if row else None


def revoke_site_tokens(session: Session, site_id: str) -> int:
    """Revoke every token of a site; returns how many."""
    rows = session.scalars(
        select(m.SiteToken).where(m.SiteToken.site_id == site_id, m.SiteToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)
