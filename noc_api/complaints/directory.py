"""The server's side of the complaint core: its config from settings, the directory from the inventory tables,
staff recipients for escalations, and the scheduler jobs."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.config import CoreConfig
from complaint_core.roles import Role, StaffMember
from complaint_core.routing import CategoryInfo, DepartmentInfo, Directory, TownInfo
from complaint_core.services.escalation import EscalationRun, escalate_overdue
from complaint_core.sla import Calendar
from noc_api.complaints.attachments import FileStore
from noc_api.db import models as m
from noc_api.settings import Settings

_DIRECTORY_TTL = 30.0  # seconds: inventory syncs are rare, registrations are many


def calendar(settings: Settings, tz: str) -> Calendar:
    """The SLA calendar: round the clock unless office hours are set."""
    if not settings.sla_business_hours:
        return Calendar(tz=tz)
    start, end = (int(x) for x in settings.sla_business_hours.split("-"))
    days = frozenset(int(d) for d in settings.sla_workdays.split(",") if d.strip())
    holidays = frozenset(date.fromisoformat(d.strip()) for d in settings.sla_holidays.split(",") if d.strip())
    return Calendar(tz=tz, hours=(start, end), workdays=days, holidays=holidays)


def core_config(settings: Settings, tz: str = "Asia/Karachi") -> CoreConfig:
    """CoreConfig built from the server's settings."""
    base = settings.public_base_url.rstrip("/")
    return CoreConfig(
        attachments=FileStore(settings.attachments_dir),
        max_photo_bytes=settings.max_photo_bytes,
        qc_sample_rate=settings.qc_sample_rate,
        calendar=calendar(settings, tz),
        duplicate_radius_m=settings.duplicate_radius_m,
        duplicate_days=settings.duplicate_days,
        public_base_url=base,
        feedback_link=base + "/track/{tracking}",
        tz=tz,
        reopen_after_close=timedelta(days=settings.reopen_after_close_days),
        code_key=hmac.new(settings.signing_key.encode(), b"ccis-tracking-code", hashlib.sha256).digest(),
    )


def load_directory(session: Session, city_code: str) -> Directory:
    """Towns, departments and categories as plain values, read from the inventory tables."""
    towns = tuple(
        TownInfo(t.id, t.name, tuple(t.wards or ()), tuple(tuple(p) for p in t.boundary or ()))
        for t in session.execute(select(m.Town).where(m.Town.active.is_(True))).scalars()
    )
    departments = tuple(
        DepartmentInfo(d.id, d.name, d.city_wide)
        for d in session.execute(select(m.Department).where(m.Department.active.is_(True))).scalars()
    )
    categories = tuple(
        CategoryInfo(c.id, c.name, c.department_id, c.promised_hours, c.priority, c.parent_id)
        for c in session.execute(select(m.Category).where(m.Category.active.is_(True))).scalars()
    )
    return Directory(city_code, towns, departments, categories, _counters(session))


def _counters(session: Session) -> frozenset[str]:
    """Walk-in channel ids and the workstations at their sites: what a walk-in's counter may name."""
    walk_ins = session.execute(
        select(m.Channel.id, m.Channel.site_id).where(m.Channel.active.is_(True), m.Channel.kind == "walk_in")
    ).all()
    sites = {site for _, site in walk_ins if site}
    stations = session.execute(
        select(m.Device.id).where(
            m.Device.active.is_(True), m.Device.kind == "workstation", m.Device.site_id.in_(sites)
        )
    ).scalars()
    return frozenset({cid for cid, _ in walk_ins} | set(stations))


class DirectoryCache:
    """The directory per database and city, kept for a short while (owned by the runtime, never global)."""

    def __init__(self, ttl: float = _DIRECTORY_TTL) -> None:
        self.ttl = ttl
        self._hits: dict[tuple[str, str], tuple[float, Directory]] = {}

    def get(self, session: Session, city_code: str) -> Directory:
        key = (str(session.get_bind().engine.url), city_code)
        hit = self._hits.get(key)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        directory = load_directory(session, city_code)
        self._hits[key] = (time.monotonic(), directory)
        return directory

    def forget(self) -> None:
        """Drop what is kept (after an inventory sync)."""
        self._hits.clear()


def _member(u: m.User) -> StaffMember:
    return StaffMember(
        username=u.username,
        role=Role(u.role),
        active=u.active,
        town_id=u.town_id,
        department_id=u.department_id,
        site_id=u.site_id,
        phone=u.phone,
        email=u.email,
    )


class UsersStaff:
    """The complaint core's StaffDirectory over the users table, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def member(self, username: str) -> StaffMember | None:
        u = self.session.scalar(select(m.User).where(m.User.username == username))
        return _member(u) if u is not None and u.role in {r.value for r in Role} else None

    def with_roles(
        self, roles: tuple[str, ...], *, town_id: str | None, department_id: str | None
    ) -> list[StaffMember]:
        users = self.session.scalars(
            select(m.User).where(m.User.active.is_(True), m.User.role.in_(roles)).order_by(m.User.username)
        )
        out = []
        for u in users:
            # Scoped roles hear only of their own: a GRO of the department (and town, when they have one).
            if u.department_id and u.department_id != department_id:
                continue
            if u.town_id and town_id and u.town_id != town_id:
                continue
            out.append(_member(u))
        return out


def staff_recipients(session: Session):  # noqa: ANN201
    """A recipients(roles, town, department) function over the users table (email and SMS of each)."""

    def find(roles: tuple[str, ...], town_id: str | None, department_id: str | None) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        users = session.execute(select(m.User).where(m.User.active.is_(True), m.User.role.in_(roles))).scalars()
        for u in users:
            # Heads are scoped: a town head hears of their town, a department head of their department.
            if u.role == "town_head" and u.town_id != town_id:
                continue
            if u.role == "department_head" and u.department_id != department_id:
                continue
            if u.email:
                out.append(("email", u.email))
            if u.phone:
                out.append(("sms", u.phone))
        return out

    return find


def run_sla_escalation(session: Session, now: datetime, config: CoreConfig) -> EscalationRun:
    """Scheduler job: warn and escalate overdue complaints; idempotent at a given ``now``. The caller commits."""
    return escalate_overdue(session, now=now, config=config, recipients=staff_recipients(session))
