"""Staff roles. Scope (town, department, own queue) is decided by the role and the user's town/department."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CALL_CENTRE_AGENT = "call_centre_agent"
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


# Roles whose scope is a town or a department: `ccis users add` insists on it.
NEEDS_TOWN = {Role.TOWN_HEAD, Role.COUNTER_OPERATOR}
NEEDS_DEPARTMENT = {Role.DEPARTMENT_HEAD, Role.LME, Role.GRO}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user (with scope), a citizen, or the system itself (NOC, scheduler)."""

    kind: str  # "staff" | "citizen" | "system"
    name: str
    role: Role | None = None
    user_id: int | None = None
    town_id: str | None = None
    department_id: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(kind="system", name=name)
