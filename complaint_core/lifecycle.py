"""The complaint state machine: which action moves which status where, and the event each move records.

registered -> assigned -> in_progress -> resolved -> verified -> closed, with triage, reassignment requests,
rejection (duplicate / not our jurisdiction / insufficient information), waiting for the citizen (SLA paused),
re-marking to another town, department or category at any open stage, and at most two citizen reopenings (the
second goes to an escalation officer), also of a complaint staff closed, within a set period after closing.
QC's verification call records its outcome: satisfied (verified), not satisfied (reopened) or not reached.
Internal tickets (the NOC's, one per failing subject) follow their outage instead: each recurrence reopens them,
with no limit and no escalation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from complaint_core.model import ComplaintStatus as S
from complaint_core.model import DomainError, Event, IllegalTransition, InvalidInput, RejectReason
from complaint_core.roles import Actor

MAX_REOPENINGS = 2

OPEN = frozenset(st for st in S if st.is_open)
# action -> (statuses it may start from, status it leads to; None means "decided by the action")
TRANSITIONS: dict[str, tuple[frozenset[S], S | None]] = {
    "route": (frozenset({S.TRIAGE}), S.REGISTERED),
    "remark": (OPEN, None),
    "assign": (frozenset({S.REGISTERED, S.ASSIGNED, S.REASSIGN_REQUESTED, S.REOPENED, S.ESCALATED}), S.ASSIGNED),
    "start": (frozenset({S.ASSIGNED}), S.IN_PROGRESS),
    "request_reassign": (frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.REASSIGN_REQUESTED),
    "wait_citizen": (frozenset({S.IN_PROGRESS}), S.WAITING_CITIZEN),
    "resume": (frozenset({S.WAITING_CITIZEN}), S.IN_PROGRESS),
    "resolve": (frozenset({S.IN_PROGRESS, S.ESCALATED}), S.RESOLVED),
    "verify": (frozenset({S.RESOLVED}), None),
    "close": (frozenset({S.RESOLVED, S.VERIFIED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.VERIFIED, S.CLOSED}), None),
    "reject": (
        frozenset({S.TRIAGE, S.REGISTERED, S.ASSIGNED, S.REASSIGN_REQUESTED, S.REOPENED, S.ESCALATED}),
        S.REJECTED,
    ),
    # Status unchanged: a staff note (public or not, a reason for delay) and QC's call-back on any live complaint.
    "note": (frozenset(S), None),
    "qc_call": (OPEN | {S.RESOLVED, S.VERIFIED}, None),
}
ACTIONS = tuple(TRANSITIONS)
UNCHANGED = frozenset({"note", "qc_call"})


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
    reopen_until: datetime | None = None  # a closed complaint: the citizen may reopen it until then
    internal: bool = False  # an internal NOC ticket: reopened as often as its outage recurs

    @property
    def reopen_limited(self) -> bool:
        """True when the citizen's limit of MAX_REOPENINGS applies (every complaint but internal tickets)."""
        return not self.internal

    @property
    def escalated(self) -> bool:
        return self.reopen_limited and self.reopen_count >= MAX_REOPENINGS


@dataclass(frozen=True)
class Command:
    """An action with its parameters (note, assignee, reason, duplicate_of, town_id, department_id...)."""

    action: str
    note: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def allowed_actions(state: LifecycleState, now: datetime | None = None) -> list[str]:
    """Every action the status allows at ``now`` (before role and scope are considered)."""
    out = [a for a, (sources, _) in TRANSITIONS.items() if state.status in sources]
    if state.status is S.RESOLVED and state.qc_required:
        out.remove("close")  # sampled for QC: it must be verified first
    closed_too_long = state.status is S.CLOSED and (
        now is None or state.reopen_until is None or now > state.reopen_until
    )
    if (state.escalated or closed_too_long) and "reopen" in out:
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
    elif a == "remark":
        if not cmd.note:
            errors.append(("note", "say why the complaint is re-marked"))
        if not any(p.get(k) for k in ("town_id", "department_id", "category_id")):
            errors.append(("town_id", "give the new town_id, department_id or category_id"))
        new = replace(
            state,
            assignee=None,  # the new department's GRO assigns it
            town_id=p.get("town_id") or state.town_id,
            department_id=p.get("department_id") or state.department_id,
        )
        data = {k: p.get(k) for k in ("town_id", "department_id", "category_id", "from")}
    elif a in ("verify", "qc_call"):
        errors += _qc_outcome(cmd, data)
        if a == "verify" and data.get("outcome") == "failed":
            new = replace(state, reopen_count=min(MAX_REOPENINGS, state.reopen_count + 1), qc_required=False)
            data["reopening"] = new.reopen_count
    elif a == "note":
        if not cmd.note:
            errors.append(("note", "the note's text is required"))
        data = {"public": bool(p.get("public")) or None, "delay": bool(p.get("delay")) or None}
    if a == "resolve" and p.get("photo"):
        data["photo"] = p["photo"]
    if errors:
        raise InvalidInput(errors)
    return new, data


def _qc_outcome(cmd: Command, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Fill ``data`` with a QC call's outcome (reached, satisfied, the citizen's words); the errors found."""
    p = cmd.params
    reached = p.get("reached", True if cmd.action == "verify" else None)
    if not isinstance(reached, bool):
        return [("reached", "say whether the citizen was reached (true or false)")]
    satisfied = p.get("satisfied", True if cmd.action == "verify" and reached else None)
    if satisfied is not None and not reached:
        return [("satisfied", "the citizen was not reached: satisfied cannot be known")]
    words = p.get("words") or cmd.note
    if reached and satisfied is False and not words:
        return [("words", "write down what the citizen said")]
    if cmd.action == "verify":
        outcome = "unreachable" if not reached else ("verified" if satisfied else "failed")
    else:
        outcome = "callback"
    data.update(reached=reached, satisfied=satisfied, words=words, outcome=outcome)
    return []


def _destination(state: LifecycleState, new: LifecycleState, cmd: Command) -> S:
    """Where an action whose target is "decided by the action" leads."""
    a = cmd.action
    if a in UNCHANGED:
        return state.status
    if a == "reopen" or (a == "verify" and new.reopen_count > state.reopen_count):
        return S.ESCALATED if new.escalated else S.REOPENED
    if a == "verify":
        failed_at_limit = cmd.params.get("satisfied") is False and cmd.params.get("reached", True)
        if failed_at_limit:
            return S.ESCALATED  # reopened as often as allowed: back to the escalation officers
        return S.VERIFIED if cmd.params.get("reached", True) else S.RESOLVED  # not reached: call again
    # remark: back to the start of the new department's queue (or triage, when no town can be found).
    if cmd.params.get("triage"):
        return S.TRIAGE
    return S.ESCALATED if new.escalated else S.REGISTERED


def apply(state: LifecycleState, cmd: Command, actor: Actor, now: datetime) -> tuple[LifecycleState, Event]:
    """Apply ``cmd`` to ``state``: the new state and the event to append; IllegalTransition when not allowed."""
    if cmd.action not in TRANSITIONS:
        raise DomainError(f"unknown action {cmd.action!r}; known: {', '.join(ACTIONS)}")
    allowed = allowed_actions(state, now)
    if cmd.action not in allowed:
        why = None
        if cmd.action == "reopen" and state.escalated and state.status in (S.RESOLVED, S.VERIFIED):
            why = f"a complaint may be reopened at most {MAX_REOPENINGS} times"
        elif cmd.action == "reopen" and state.status is S.CLOSED:
            why = "this complaint was closed too long ago to be reopened: please register a new complaint"
        elif cmd.action == "close" and state.status is S.RESOLVED:
            why = "this complaint was sampled for quality control: verify it before closing"
        raise IllegalTransition(cmd.action, state.status, allowed, why)
    new, data = _target(state, cmd)
    to = TRANSITIONS[cmd.action][1] or _destination(state, new, cmd)
    if to is S.ESCALATED and state.status is not S.ESCALATED:
        new = replace(new, assignee=None)  # the escalation officers' queue takes it
    if to is not S.CLOSED:
        new = replace(new, reopen_until=None)
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
