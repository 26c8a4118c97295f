"""Staff roles. Scope (town, department, own queue) is decided by the role and the user's town/department."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CALL_CENTRE_AGENT = "call_centre_agent"
    CALL_CENTRE_SUPERVISOR = "call_centre_supervisor"  # oversees the 1339 floor: re-marks wrongly marked complaints
    COUNTER_OPERATOR = "counter_operator"
    LME = "lme"  # Last Mile Employee
    GRO = "gro"  # Grievance Redressal Officer
    DEPARTMENT_HEAD = "department_head"
    TOWN_HEAD = "town_head"
    SENIOR_DIRECTOR = "senior_director"
    QC_OFFICER = "qc_officer"
    ESCALATION_OFFICER = "escalation_officer"
    MAYOR_OFFICE = "mayor_office"
    NOC = "noc"
    ENGINEER = "engineer"
    ADMINISTRATOR = "administrator"


# Roles whose scope is a town, a department or a site: `ccis users add` insists on it.
NEEDS_TOWN = {Role.TOWN_HEAD}
NEEDS_DEPARTMENT = {Role.DEPARTMENT_HEAD, Role.LME, Role.GRO}
# Counter staff belong to a walk-in site (the city-wide Civic Centre, KBCA and KW&SB counters have no town of
# their own to serve) or, for a town office counter, to its town.
NEEDS_SITE_OR_TOWN = {Role.COUNTER_OPERATOR}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user (with scope), a citizen, or the system itself (NOC, scheduler)."""

    kind: str  # "staff" | "citizen" | "system"
    name: str
    role: Role | None = None
    user_id: int | None = None
    town_id: str | None = None
    department_id: str | None = None
    site_id: str | None = None  # the site (counter, call centre) the user works at

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(kind="system", name=name)


@dataclass(frozen=True)
class StaffMember:
    """A staff user as the domain sees it: who can be assigned a complaint, and where to tell them."""

    username: str
    role: Role
    active: bool = True
    town_id: str | None = None
    department_id: str | None = None
    site_id: str | None = None
    phone: str | None = None
    email: str | None = None

    def as_actor(self) -> Actor:
        return Actor(
            kind="staff",
            name=self.username,
            role=self.role,
            town_id=self.town_id,
            department_id=self.department_id,
            site_id=self.site_id,
        )
