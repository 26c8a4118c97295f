"""The complaint state machine: which action moves which status where, and the event each move records.

registered -> assigned -> in_progress -> resolved -> verified -> closed, with triage, reassignment requests,
rejection (duplicate / not our jurisdiction / insufficient information), waiting for the citizen (SLA paused)
and at most two citizen reopenings (the second goes to an escalation officer).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from complaint_core.model import ComplaintStatus as S
from complaint_core.model import DomainError, Event, IllegalTransition, InvalidInput, RejectReason
from complaint_core.roles import Actor

MAX_REOPENINGS = 2

# action -> (statuses it may start from, status it leads to; None means "decided by the action")
TRANSITIONS: dict[str, tuple[frozenset[S], S | None]] = {
    "route": (frozenset({S.TRIAGE}), S.REGISTERED),
    "assign": (frozenset({S.REGISTERED, S.ASSIGNED, S.REASSIGN_REQUESTED, S.REOPENED, S.ESCALATED}), S.ASSIGNED),
    "start": (frozenset({S.ASSIGNED}), S.IN_PROGRESS),
    "request_reassign": (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.REASSIGN_REQUESTED),
    "wait_citizen": (frozenset({S.IN_PROGRESS}), S.WAITING_CITIZEN),
    "resume": (frozenset({S.WAITING_CITIZEN}), S.IN_PROGRESS),
    "resolve": (frozenset({S.IN_PROGRESS, S.ESCALATED}), S.RESOLVED),
    "verify": (frozenset({S.RESOLVED}), S.VERIFIED),
    "close": (frozenset({S.RESOLVED, S.VERIFIED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.VERIFIED}), None),
    "reject": (
        frozenset({S.TRIAGE, S.REGISTERED, S.ASSIGNED, S.REASSIGN_REQUESTED, S.REOPENED, S.ESCALATED}),
        S.REJECTED,
    ),
}
ACTIONS = tuple(TRANSITIONS)


@dataclass(frozen=True)
class LifecycleState:
    """The part of a complaint the state machine reads and changes."""

    status: S
    assignee: str | None = None
    reopen_count: int = 0
    qc_required: bool = False
    duplicate_of: str | None = None
    town_id: str | None = None
    department_id: str | None = None


@dataclass(frozen=True)
class Command:
    """An action with its parameters (note, assignee, reason, duplicate_of, town_id, department_id...)."""

    action: str
    note: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def allowed_actions(state: LifecycleState) -> list[str]:
    """Every action the status allows (before role and scope are considered)."""
    out = [a for a, (sources, _) in TRANSITIONS.items() if state.status in sources]
    if state.status is S.RESOLVED and state.qc_required:
        out.remove("close")  # sampled for QC: it must be verified first
    if state.reopen_count >= MAX_REOPENINGS and "reopen" in out:
        out.remove("reopen")
    return out


def _require(cmd: Command, *names: str) -> list[tuple[str, str]]:
    return [(n, "required for " + cmd.action) for n in names if not cmd.params.get(n) and cmd.params.get(n) != 0]


def _target(state: LifecycleState, cmd: Command) -> tuple[LifecycleState, dict[str, Any]]:
    """Validate the command's parameters and compute the new state and the event's data."""
    p, a = cmd.params, cmd.action
    errors: list[tuple[str, str]] = []
    data: dict[str, Any] = {}
    new = state
    if a == "route":
        errors += _require(cmd, "department_id")
        new = replace(state, town_id=p.get("town_id") or state.town_id, department_id=p.get("department_id"))
        data = {"town_id": new.town_id, "department_id": new.department_id}
    elif a == "assign":
        errors += _require(cmd, "assignee")
        new, data = replace(state, assignee=p.get("assignee")), {"assignee": p.get("assignee")}
    elif a in ("request_reassign", "wait_citizen", "resolve") and not cmd.note:
        errors.append(("note", f"a note is required to {a}"))
    elif a == "reject":
        reason = p.get("reason")
        if reason not in {r.value for r in RejectReason}:
            errors.append(("reason", f"must be one of {', '.join(r.value for r in RejectReason)}"))
        elif reason == RejectReason.DUPLICATE and not p.get("duplicate_of"):
            errors.append(("duplicate_of", "the original complaint's tracking number is required"))
        data = {"reason": reason, "duplicate_of": p.get("duplicate_of")}
        new = replace(state, duplicate_of=p.get("duplicate_of"))
    elif a == "reopen":
        if not cmd.note:
            errors.append(("note", "the citizen's words are required to reopen"))
        new = replace(state, reopen_count=state.reopen_count + 1, qc_required=False)
        data = {"reopening": new.reopen_count}
    if a == "resolve" and p.get("photo"):
        data["photo"] = p["photo"]
    if errors:
        raise InvalidInput(errors)
    return new, data


def apply(state: LifecycleState, cmd: Command, actor: Actor, now: datetime) -> tuple[LifecycleState, Event]:
    """Apply ``cmd`` to ``state``: the new state and the event to append; IllegalTransition when not allowed."""
    if cmd.action not in TRANSITIONS:
        raise DomainError(f"unknown action {cmd.action!r}; known: {', '.join(ACTIONS)}")
    allowed = allowed_actions(state)
    if cmd.action not in allowed:
        why = None
        if cmd.action == "reopen" and state.reopen_count >= MAX_REOPENINGS and state.status in (S.RESOLVED, S.VERIFIED):
            why = f"a complaint may be reopened at most {MAX_REOPENINGS} times"
        elif cmd.action == "close" and state.status is S.RESOLVED:
            why = "this complaint was sampled for quality control: verify it before closing"
        raise IllegalTransition(cmd.action, state.status, allowed, why)
    new, data = _target(state, cmd)
    to = TRANSITIONS[cmd.action][1]
    if cmd.action == "reopen":
        to = S.ESCALATED if new.reopen_count >= MAX_REOPENINGS else S.REOPENED
        if to is S.ESCALATED:
            new = replace(new, assignee=None)  # the escalation officers' queue takes it
    new = replace(new, status=to)
    event = Event(
        action=cmd.action,
        actor=actor.name,
        role=actor.role.value if actor.role else actor.kind,
        at=now,
        from_status=state.status,
        to_status=to,
        note=cmd.note,
        data={k: v for k, v in data.items() if v is not None},
    )
    return new, event
