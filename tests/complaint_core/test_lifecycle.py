"""The state machine: the happy path, every illegal move, reopen limits, required parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaint_core.lifecycle import TRANSITIONS, Command, LifecycleState, allowed_actions, apply
from complaint_core.model import ComplaintStatus as S
from complaint_core.model import IllegalTransition, InvalidInput, StatusKind
from complaint_core.roles import Actor, Role

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
GRO = Actor("staff", "gro.1", Role.GRO, department_id="kwsb")
PARAMS = {
    "assign": {"assignee": "lme.1"},
    "route": {"department_id": "kwsb"},
    "reject": {"reason": "not_our_jurisdiction"},
    "remark": {"town_id": "lyari"},
    "qc_call": {"reached": True},
}


def cmd(action: str) -> Command:
    return Command(action, note="n", params=PARAMS.get(action, {}))


def run(state: LifecycleState, *actions: str) -> LifecycleState:
    for a in actions:
        state, _ = apply(state, cmd(a), GRO, NOW)
    return state


def test_happy_path_records_every_move() -> None:
    state = LifecycleState(S.REGISTERED)
    seen = []
    for a in ("assign", "start", "wait_citizen", "resume", "resolve", "verify", "close"):
        state, ev = apply(state, cmd(a), GRO, NOW)
        seen.append((ev.from_status, ev.to_status, ev.actor, ev.role))
    assert state.status is S.CLOSED and state.assignee == "lme.1"
    assert seen[0] == (S.REGISTERED, S.ASSIGNED, "gro.1", "gro")
    assert [s[1] for s in seen][-3:] == [S.RESOLVED, S.VERIFIED, S.CLOSED]
    assert S.CLOSED.kind is StatusKind.CLOSED and S.RESOLVED.is_fixed and S.TRIAGE.is_open


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_illegal_transition_lists_allowed_moves(status: S, action: str) -> None:
    state = LifecycleState(status)
    allowed = allowed_actions(state)
    if action in allowed:
        new, ev = apply(state, cmd(action), GRO, NOW)
        assert ev.from_status is status and ev.to_status is new.status
        return
    with pytest.raises(IllegalTransition) as err:
        apply(state, cmd(action), GRO, NOW)
    assert err.value.allowed == allowed
    assert f"allowed: {', '.join(allowed) or 'none'}" in str(err.value)


def test_reopen_twice_then_escalation_then_refused() -> None:
    state = run(LifecycleState(S.REGISTERED), "assign", "start", "resolve", "reopen")
    assert state.status is S.REOPENED and state.reopen_count == 1
    state = run(state, "assign", "start", "resolve", "reopen")
    assert state.status is S.ESCALATED and state.assignee is None and state.reopen_count == 2
    state = run(state, "resolve")
    with pytest.raises(IllegalTransition, match="at most 2 times") as err:
        apply(state, cmd("reopen"), GRO, NOW)
    assert "reopen" not in err.value.allowed and "verify" in err.value.allowed


def test_internal_ticket_follows_its_outage_without_the_reopen_limit() -> None:
    state = LifecycleState(S.REGISTERED, internal=True)
    for n in range(1, 11):
        state = run(state, "assign", "start", "resolve", "reopen")
        assert state.status is S.REOPENED and state.reopen_count == n  # never escalated, never refused
    assert "reopen" in allowed_actions(run(state, "assign", "start", "resolve"))


def test_qc_sampled_must_be_verified_before_close() -> None:
    state = LifecycleState(S.RESOLVED, qc_required=True)
    with pytest.raises(IllegalTransition, match="quality control"):
        apply(state, cmd("close"), GRO, NOW)
    assert apply(LifecycleState(S.RESOLVED), cmd("close"), GRO, NOW)[0].status is S.CLOSED


def test_parameters_are_required() -> None:
    st = LifecycleState(S.REGISTERED)
    with pytest.raises(InvalidInput, match="assignee"):
        apply(st, Command("assign"), GRO, NOW)
    with pytest.raises(InvalidInput, match="duplicate_of"):
        apply(st, Command("reject", params={"reason": "duplicate"}), GRO, NOW)
    with pytest.raises(InvalidInput, match="reason: must be one of"):
        apply(st, Command("reject", params={"reason": "bored"}), GRO, NOW)
    new, ev = apply(st, Command("reject", params={"reason": "duplicate", "duplicate_of": "KHI-2026-0000001"}), GRO, NOW)
    assert new.duplicate_of == "KHI-2026-0000001" and ev.data["reason"] == "duplicate"
    with pytest.raises(InvalidInput, match="note"):
        apply(LifecycleState(S.IN_PROGRESS), Command("resolve"), GRO, NOW)
