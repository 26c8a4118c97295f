"""Tables of the city inventory, staff users and site tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime, utcnow


class Town(Base):
    __tablename__ = "towns"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    zone: Mapped[str | None] = mapped_column(String(100))
    wards: Mapped[list] = mapped_column(JsonType, default=list)
    boundary: Mapped[list | None] = mapped_column(JsonType)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    head: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"))
    promised_hours: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    town_id: Mapped[str] = mapped_column(ForeignKey("towns.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    seats: Mapped[int] = mapped_column(Integer, default=0)
    agent_host: Mapped[str | None] = mapped_column(String(64))
    uplink: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    collect: Mapped[dict] = mapped_column(JsonType)
    # [id, {"any": [ids]}, ...]: all entries are needed; an "any" entry is up while one of its ids is.
    depends_on: Mapped[list] = mapped_column(JsonType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    requires: Mapped[dict] = mapped_column(JsonType)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InventoryChange(Base):
    """Append-only record of what each inventory sync added, changed or removed."""

    __tablename__ = "inventory_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    change: Mapped[str] = mapped_column(String(10))  # added | changed | removed
    before: Mapped[dict | None] = mapped_column(JsonType)
    after: Mapped[dict | None] = mapped_column(JsonType)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(30))
    town_id: Mapped[str | None] = mapped_column(ForeignKey("towns.id"))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))  # the counter or centre they work at
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # wrong passwords in a row
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)  # no login before this, even the right one


class StaffSession(Base):
    """A logged-in staff session; the browser or client holds a random token, only its SHA-256 is kept, so
    logout, disabling the user or a new password ends it at once."""

    __tablename__ = "staff_sessions"
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    client: Mapped[str] = mapped_column(String(200), default="")  # address and user agent, for the session list


class UsedLink(Base):
    """A signed link that changes state (alert acknowledgement, feedback) is honoured once: its digest is kept."""

    __tablename__ = "used_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SiteToken(Base):
    """A site agent's bearer token; only its SHA-256 is kept (tokens are 256-bit random, so no slow hash needed)."""

    __tablename__ = "site_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
