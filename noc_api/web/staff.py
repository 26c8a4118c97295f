"""Staff a complaint can be given to: the field officers (and engineers) within the assigner's scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.roles import Actor, Role
from noc_api.db import models as m

ASSIGNABLE = (Role.LME.value, Role.ENGINEER.value, Role.ESCALATION_OFFICER.value)


def assignable(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(username, full name) of active officers the actor may assign to, by name."""
    stmt = select(m.User.username, m.User.full_name, m.User.role).where(
        m.User.active.is_(True), m.User.role.in_(ASSIGNABLE)
    )
    if actor.department_id:
        stmt = stmt.where(m.User.department_id == actor.department_id)
    if actor.town_id:
        stmt = stmt.where((m.User.town_id == actor.town_id) | m.User.town_id.is_(None))
    if actor.role is Role.ESCALATION_OFFICER:
        stmt = stmt.where(m.User.role == Role.ESCALATION_OFFICER.value)
    return [(u, f or u) for u, f, _ in session.execute(stmt.order_by(m.User.full_name))]
