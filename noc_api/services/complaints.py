"""The server's side of the complaint core: its config from settings, the directory from the inventory tables,
staff recipients for escalations, and the scheduler jobs."""

from __future__ import annotations

import time
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.config import CoreConfig
from complaint_core.routing import CategoryInfo, DepartmentInfo, Directory, TownInfo
from complaint_core.services.escalation import EscalationRun, escalate_overdue
from complaint_core.sla import Calendar
from noc_api.db import models as m
from noc_api.settings import Settings

_DIRECTORY_TTL = 30.0  # seconds: inventory syncs are rare, registrations are many
_cache: dict[tuple[str, str], tuple[float, Directory]] = {}


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
        attachments_dir=settings.attachments_dir,
        max_photo_bytes=settings.max_photo_bytes,
        qc_sample_rate=settings.qc_sample_rate,
        calendar=calendar(settings, tz),
        duplicate_radius_m=settings.duplicate_radius_m,
        duplicate_days=settings.duplicate_days,
        public_base_url=base,
        feedback_link=base + "/track/{tracking}",
    )


def load_directory(session: Session, city_code: str) -> Directory:
    """Towns, departments and categories as plain values (cached briefly per database)."""
    key = (str(session.get_bind().url), city_code)
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < _DIRECTORY_TTL:
        return hit[1]
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
    directory = Directory(city_code, towns, departments, categories)
    _cache[key] = (time.monotonic(), directory)
    return directory


def forget_directory() -> None:
    """Drop the cached directories (after an inventory sync)."""
    _cache.clear()


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


def run_sla_escalation(session: Session, now: datetime, settings: Settings | None = None) -> EscalationRun:
    """Scheduler job: warn and escalate overdue complaints; idempotent at a given ``now``. The caller commits."""
    from noc_api.settings import get_settings

    cfg = core_config(settings or get_settings())
    return escalate_overdue(session, now=now, config=cfg, recipients=staff_recipients(session))
