"""Who may do what, where: a role x action table with a scope per cell (pure; every endpoint asks it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from complaint_core.model import Channel
from complaint_core.roles import Actor, Role


class Scope(StrEnum):
    CITY = "city"  # every complaint
    TOWN = "town"  # complaints of the actor's town
    DEPARTMENT = "department"  # of the actor's department (and town, when the actor has one)
    OWN = "own"  # assigned to the actor
    INTERNAL = "internal"  # internal tickets (raised by the NOC)
    ESCALATED = "escalated"  # complaints sent to the escalation officers


# Actions beyond the lifecycle ones: register, view (includes search), edit, qc_queue, subscribe.
_LIFE = ("assign", "start", "request_reassign", "wait_citizen", "resume", "resolve", "reject", "route", "close")
C, T, D, OWN, INT, E = Scope.CITY, Scope.TOWN, Scope.DEPARTMENT, Scope.OWN, Scope.INTERNAL, Scope.ESCALATED

MATRIX: dict[Role, dict[str, tuple[Scope, ...]]] = {
    Role.CALL_CENTRE_AGENT: {"register": (C,), "view": (C,), "edit": (C,), "subscribe": (C,)},
    Role.COUNTER_OPERATOR: {"register": (C,), "view": (T,), "edit": (T,)},
    Role.LME: {
        "view": (D, OWN),
        "start": (OWN,),
        "request_reassign": (OWN,),
        "wait_citizen": (OWN,),
        "resume": (OWN,),
        "resolve": (OWN,),
    },
    Role.GRO: {a: (D,) for a in ("view", "edit", "assign", "reject", "route", "close")},
    Role.DEPARTMENT_HEAD: {a: (D,) for a in ("view", "edit", "assign", "reject", "close", "subscribe")},
    Role.TOWN_HEAD: {a: (T,) for a in ("view", "edit", "assign", "reject", "close", "subscribe")},
    Role.SENIOR_DIRECTOR: {a: (C,) for a in ("view", "assign", "reject", "route", "close", "subscribe")},
    Role.QC_OFFICER: {a: (C,) for a in ("view", "verify", "reopen", "close", "qc_queue")},
    Role.ESCALATION_OFFICER: {"view": (C,), "assign": (E,), "resolve": (E,), "reject": (E,)},
    Role.MAYOR_OFFICE: {"register": (C,), "view": (C,), "subscribe": (C,)},
    Role.NOC: {a: (INT,) for a in ("register", "view", "edit", "assign", "start", "resolve", "close", "reject")},
    # Engineers work internal tickets and raise them by hand for planned work.
    Role.ENGINEER: {
        a: (INT,) for a in ("register", "view", "start", "wait_citizen", "resume", "resolve", "request_reassign")
    },
    Role.ADMINISTRATOR: {},  # everything, everywhere (checked below)
}
CITIZEN_ACTIONS = frozenset({"reopen", "feedback"})
ALL_ACTIONS = ("register", "view", "edit", "qc_queue", "subscribe", "verify", "reopen", *_LIFE)

# Channels a registering role may use (the counter registers walk-ins, the NOC internal tickets...).
REGISTER_CHANNELS: dict[Role, frozenset[Channel]] = {
    Role.CALL_CENTRE_AGENT: frozenset(
        {Channel.CALL_CENTRE, Channel.WEB, Channel.CHATBOT, Channel.SMS, Channel.EMAIL, Channel.MAYOR_OFFICE}
    ),
    Role.COUNTER_OPERATOR: frozenset({Channel.WALK_IN}),
    Role.MAYOR_OFFICE: frozenset({Channel.MAYOR_OFFICE}),
    Role.NOC: frozenset({Channel.INTERNAL}),
    Role.ENGINEER: frozenset({Channel.INTERNAL}),
}


@dataclass(frozen=True)
class Target:
    """What the policy needs to know about a complaint."""

    town_id: str | None = None
    department_id: str | None = None
    assignee: str | None = None
    channel: str | None = None
    status: str | None = None


def _in_scope(actor: Actor, scope: Scope, t: Target) -> bool:
    if scope is Scope.CITY:
        return True
    if scope is Scope.TOWN:
        return actor.town_id is not None and t.town_id == actor.town_id
    if scope is Scope.DEPARTMENT:
        same_dept = actor.department_id is not None and t.department_id == actor.department_id
        return same_dept and (actor.town_id is None or t.town_id in (None, actor.town_id))
    if scope is Scope.OWN:
        return t.assignee is not None and t.assignee == actor.name
    if scope is Scope.INTERNAL:
        return t.channel == Channel.INTERNAL
    return t.status == "escalated" or (t.assignee is not None and t.assignee == actor.name)


def can(actor: Actor, action: str, target: Target) -> bool:
    """True when ``actor`` may do ``action`` on a complaint described by ``target``."""
    if actor.kind == "system" or actor.role is Role.ADMINISTRATOR:
        return True
    if actor.kind == "citizen":
        return action in CITIZEN_ACTIONS  # the caller proved who they are (phone digits or a signed link)
    if actor.kind != "staff" or actor.role is None:
        return False
    scopes = MATRIX.get(actor.role, {}).get(action, ())
    if action == "register" and scopes:
        allowed = REGISTER_CHANNELS.get(actor.role)
        if allowed is not None and target.channel not in allowed:
            return False
    return any(_in_scope(actor, s, target) for s in scopes)


def view_filter(actor: Actor) -> dict[str, object] | None:
    """Column filters that limit a search to what ``actor`` may see; None means everything, {} nothing."""
    if actor.kind == "system" or actor.role is Role.ADMINISTRATOR:
        return None
    scopes = MATRIX.get(actor.role, {}).get("view", ()) if actor.role else ()
    if Scope.CITY in scopes:
        return None
    f: dict[str, object] = {"any": []}
    for s in scopes:
        if s is Scope.TOWN:
            f["any"].append({"town_id": actor.town_id})
        elif s is Scope.DEPARTMENT:
            f["any"].append(
                {"department_id": actor.department_id, **({"town_id": actor.town_id} if actor.town_id else {})}
            )
        elif s is Scope.OWN:
            f["any"].append({"assignee": actor.name})
        elif s is Scope.INTERNAL:
            f["any"].append({"channel": Channel.INTERNAL.value})
    return f
