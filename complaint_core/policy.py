"""Who may do what, where: a role x action table with a scope per cell (pure; every endpoint asks it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from complaint_core.model import Channel
from complaint_core.roles import Actor, Role, StaffMember


class Scope(StrEnum):
    CITY = "city"  # every complaint
    TOWN = "town"  # complaints of the actor's town
    DEPARTMENT = "department"  # of the actor's department (and town, when the actor has one)
    OWN = "own"  # assigned to the actor
    INTERNAL = "internal"  # internal tickets (raised by the NOC)
    ESCALATED = "escalated"  # complaints sent to the escalation officers (reopened twice), until closed
    SITE = "site"  # registered at the actor's site (a counter sees what it registered, whatever the town)


# Actions beyond the lifecycle ones: register, view (includes search), edit, qc_queue, subscribe.
_LIFE = (
    "assign",
    "start",
    "request_reassign",
    "wait_citizen",
    "resume",
    "resolve",
    "reject",
    "route",
    "remark",
    "close",
    "note",
    "qc_call",
)
C, T, D, OWN, INT, E, SITE = (
    Scope.CITY,
    Scope.TOWN,
    Scope.DEPARTMENT,
    Scope.OWN,
    Scope.INTERNAL,
    Scope.ESCALATED,
    Scope.SITE,
)

MATRIX: dict[Role, dict[str, tuple[Scope, ...]]] = {
    Role.CALL_CENTRE_AGENT: {"register": (C,), "view": (C,), "edit": (C,), "subscribe": (C,)},
    # The supervisor of the 1339 floor fixes what agents marked wrongly: re-mark and route, city-wide.
    Role.CALL_CENTRE_SUPERVISOR: {
        a: (C,) for a in ("register", "view", "edit", "subscribe", "remark", "route", "note")
    },
    Role.COUNTER_OPERATOR: {"register": (C,), "view": (T, SITE), "edit": (T, SITE)},
    Role.LME: {
        "view": (D, OWN),
        "start": (OWN,),
        "request_reassign": (OWN,),
        "wait_citizen": (OWN,),
        "resume": (OWN,),
        "resolve": (OWN,),
        "note": (OWN,),
    },
    Role.GRO: {a: (D,) for a in ("view", "edit", "assign", "reject", "route", "remark", "close", "note")},
    Role.DEPARTMENT_HEAD: {a: (D,) for a in ("view", "edit", "assign", "reject", "close", "subscribe", "note")},
    Role.TOWN_HEAD: {a: (T,) for a in ("view", "edit", "assign", "reject", "close", "subscribe", "note")},
    Role.SENIOR_DIRECTOR: {
        a: (C,) for a in ("view", "assign", "reject", "route", "remark", "close", "subscribe", "note")
    },
    Role.QC_OFFICER: {
        a: (C,) for a in ("view", "verify", "reopen", "close", "qc_queue", "qc_call", "note", "feedback_queue")
    },
    # The escalation officer works a twice-reopened complaint himself or hands it to an officer of his choice.
    Role.ESCALATION_OFFICER: {
        "view": (C,),
        "feedback_queue": (C,),  # appeals land with them too
        **{a: (E,) for a in ("assign", "start", "wait_citizen", "resume", "resolve", "reject", "note")},
    },
    Role.MAYOR_OFFICE: {"register": (C,), "view": (C,), "subscribe": (C,)},
    Role.NOC: {
        a: (INT,) for a in ("register", "view", "edit", "assign", "start", "resolve", "close", "reject", "note")
    },
    # Engineers work internal tickets and raise them by hand for planned work.
    Role.ENGINEER: {
        a: (INT,)
        for a in ("register", "view", "start", "wait_citizen", "resume", "resolve", "request_reassign", "note")
    },
    Role.ADMINISTRATOR: {},  # everything, everywhere (checked below)
}
CITIZEN_ACTIONS = frozenset({"reopen", "feedback", "register"})
ALL_ACTIONS = ("register", "view", "edit", "qc_queue", "feedback_queue", "subscribe", "verify", "reopen", *_LIFE)

# Who may be handed a complaint, and which complaints: the assignee must be able to work it in their own scope.
ASSIGNABLE: dict[Role, tuple[Scope, ...]] = {
    Role.LME: (D,),
    Role.ESCALATION_OFFICER: (E,),
    Role.ENGINEER: (INT,),
    Role.NOC: (INT,),
}

# Channels a registering role may use (the counter registers walk-ins, the NOC internal tickets...).
REGISTER_CHANNELS: dict[Role | str, frozenset[Channel]] = {
    Role.CALL_CENTRE_AGENT: frozenset(
        {Channel.CALL_CENTRE, Channel.WEB, Channel.CHATBOT, Channel.SMS, Channel.EMAIL, Channel.MAYOR_OFFICE}
    ),
    Role.CALL_CENTRE_SUPERVISOR: frozenset(
        {Channel.CALL_CENTRE, Channel.WEB, Channel.CHATBOT, Channel.SMS, Channel.EMAIL, Channel.MAYOR_OFFICE}
    ),
    Role.COUNTER_OPERATOR: frozenset({Channel.WALK_IN}),
    Role.MAYOR_OFFICE: frozenset({Channel.MAYOR_OFFICE}),
    Role.NOC: frozenset({Channel.INTERNAL}),
    Role.ENGINEER: frozenset({Channel.INTERNAL}),
    "citizen": frozenset({Channel.WEB}),  # the citizen's own web form, without login
}


@dataclass(frozen=True)
class Target:
    """What the policy needs to know about a complaint."""

    town_id: str | None = None
    department_id: str | None = None
    assignee: str | None = None
    channel: str | None = None
    status: str | None = None
    escalated: bool = False  # reopened twice: with the escalation officers
    site_id: str | None = None  # the site that registered it


def _in_scope(actor: Actor, scope: Scope, t: Target) -> bool:
    if scope is Scope.CITY:
        return True
    if scope is Scope.TOWN:
        return actor.town_id is not None and t.town_id == actor.town_id
    if scope is Scope.SITE:
        return actor.site_id is not None and t.site_id == actor.site_id
    if scope is Scope.DEPARTMENT:
        same_dept = actor.department_id is not None and t.department_id == actor.department_id
        return same_dept and (actor.town_id is None or t.town_id in (None, actor.town_id))
    if scope is Scope.OWN:
        return t.assignee is not None and t.assignee == actor.name
    if scope is Scope.INTERNAL:
        return t.channel == Channel.INTERNAL
    return t.escalated or t.status == "escalated" or (t.assignee is not None and t.assignee == actor.name)


def can(actor: Actor, action: str, target: Target) -> bool:
    """True when ``actor`` may do ``action`` on a complaint described by ``target``."""
    if actor.kind == "system" or actor.role is Role.ADMINISTRATOR:
        return True
    if actor.kind == "citizen":
        if action == "register":
            return target.channel in REGISTER_CHANNELS["citizen"]
        return action in CITIZEN_ACTIONS  # the caller proved who they are (tracking code, whole phone or a signed link)
    if actor.kind != "staff" or actor.role is None:
        return False
    scopes = MATRIX.get(actor.role, {}).get(action, ())
    if action == "register" and scopes:
        allowed = REGISTER_CHANNELS.get(actor.role)
        if allowed is not None and target.channel not in allowed:
            return False
    return any(_in_scope(actor, s, target) for s in scopes)


def assignable(member: StaffMember | None, target: Target) -> str | None:
    """Why ``member`` cannot be handed the complaint ``target`` describes, or None when they can.

    The assignee must be an active user whose own scope covers the complaint: an LME of its department (and
    town), an escalation officer for an escalated complaint, NOC staff and engineers for internal tickets.
    """
    if member is None:
        return "no such user"
    if not member.active:
        return f"user {member.username} is not active"
    scopes = ASSIGNABLE.get(member.role, ())
    if not scopes:
        return f"a {member.role.value} is not assigned complaints (assign an officer who works them)"
    who = member.as_actor()
    if not any(_in_scope(who, s, replace(target, assignee=None)) for s in scopes):
        where = ", ".join(x for x in (member.department_id, member.town_id) if x) or "their scope"
        return f"{member.username} ({member.role.value}, {where}) does not cover this complaint"
    return None


def view_filter(actor: Actor) -> dict[str, list[dict[str, object]]] | None:
    """Column filters that limit a search to what ``actor`` may see; None means everything, {} nothing."""
    if actor.kind == "system" or actor.role is Role.ADMINISTRATOR:
        return None
    scopes = MATRIX.get(actor.role, {}).get("view", ()) if actor.role else ()
    if Scope.CITY in scopes:
        return None
    any_of: list[dict[str, object]] = []
    f = {"any": any_of}
    for s in scopes:
        if s is Scope.TOWN and actor.town_id:
            any_of.append({"town_id": actor.town_id})
        elif s is Scope.SITE and actor.site_id:
            any_of.append({"site_id": actor.site_id})
        elif s is Scope.DEPARTMENT and actor.department_id:
            any_of.append(
                {"department_id": actor.department_id, **({"town_id": actor.town_id} if actor.town_id else {})}
            )
        elif s is Scope.OWN:
            any_of.append({"assignee": actor.name})
        elif s is Scope.INTERNAL:
            any_of.append({"channel": Channel.INTERNAL.value})
    return f
