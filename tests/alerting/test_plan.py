"""The notice planner on plain values (no database, no clock): group_wait, first notice to the shift on duty on
every medium, no repeat once acknowledged, recovery to everyone told, escalation along the chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from noc_api.alerting.dispatch import NotifyReason
from noc_api.alerting.lifecycle import AlertState
from noc_api.alerting.plan import GroupState, plan_notices
from noc_api.alerting.routing import load_routing_text
from tests.alerting.conftest import ROOT, T0

ROUTING, _ = load_routing_text((ROOT / "alert_rules" / "routing.yaml").read_text(), "routing.yaml")
KEY = "outage:1"


def _link(ids: list[int]) -> str:
    return f"http://noc.test/ack?ids={','.join(map(str, ids))}"


def _site_down(**over: object) -> AlertState:
    a = AlertState(
        fingerprint="fp-site",
        rule="site_down",
        severity="critical",
        labels={"alertname": "site_down", "severity": "critical", "town": "orangi", "site": "town-orangi"},
        subject="town-orangi",
        site_id="town-orangi",
        town_id="orangi",
        device_id=None,
        state="firing",
        active_at=T0,
        last_true_at=T0,
        fired_at=T0,
        group_key=KEY,
        annotations={"summary": "Site town-orangi (orangi) is down"},
        id=11,
    )
    return replace(a, **over)


def test_group_wait_then_one_notice_per_address_of_the_shift_on_duty() -> None:
    members = {KEY: [_site_down()]}
    waiting = plan_notices({}, members, ROUTING, T0 + timedelta(seconds=1), _link)
    assert waiting.messages == [] and waiting.groups[KEY].id is None and waiting.groups[KEY].notified_at is None
    now = T0 + timedelta(seconds=3)  # past the shipped 2 s group_wait; 14:00 in Karachi: the day shift
    plan = plan_notices(waiting.groups, members, ROUTING, now, _link)
    sent = {(m.receiver, m.medium, m.to) for m in plan.messages}
    assert sent == {
        ("eng-day", "email", "network-day@ccis.example"),
        ("eng-day", "sms", "+923001110001"),
        ("noc-desk", "email", "noc@ccis.example"),
    }
    sms = next(m for m in plan.messages if m.medium == "sms")
    assert sms.reason == NotifyReason.FIRING and "ack?ids=11" in sms.body and len(sms.body) < len(plan.messages[0].body)
    assert plan.history == [(11, "notified", "firing to eng-day, noc-desk")]
    g = plan.groups[KEY]
    assert (g.notified_fps, g.notified_at, g.told) == (("fp-site",), now, ("eng-day", "noc-desk"))


def test_no_repeat_once_acknowledged_and_one_recovery_to_everyone_told() -> None:
    told = GroupState(
        KEY,
        T0,
        id=4,
        notified_fps=("fp-site",),
        notified_at=T0,
        notified_rank=3,
        first_notified_at=T0,
        told=("eng-day", "noc-desk"),
    )
    later = T0 + timedelta(hours=5)  # past repeat_interval (4 h)
    assert plan_notices({KEY: told}, {KEY: [_site_down(acked_at=T0)]}, ROUTING, later, _link).messages == []
    repeat = plan_notices({KEY: told}, {KEY: [_site_down()]}, ROUTING, later, _link)
    assert {m.reason for m in repeat.messages} == {NotifyReason.REPEAT, NotifyReason.ESCALATION}
    resolved = _site_down(state="resolved", resolved_at=later)
    plan = plan_notices({KEY: told}, {KEY: [resolved]}, ROUTING, later, _link)
    assert {(m.reason, m.receiver) for m in plan.messages} == {
        (NotifyReason.RESOLVED, "eng-day"),
        (NotifyReason.RESOLVED, "noc-desk"),
    }
    assert plan.groups[KEY].closed_at == later and "Acknowledge" not in plan.messages[0].body


def test_unacknowledged_critical_escalates_to_the_next_step_once_due() -> None:
    told = GroupState(
        KEY,
        T0,
        id=4,
        notified_fps=("fp-site",),
        notified_at=T0,
        notified_rank=3,
        first_notified_at=T0,
        told=("eng-day", "noc-desk"),
    )
    members = {KEY: [_site_down()]}
    assert plan_notices({KEY: told}, members, ROUTING, T0 + timedelta(minutes=14), _link).messages == []
    plan = plan_notices({KEY: told}, members, ROUTING, T0 + timedelta(minutes=15), _link)
    assert {(m.reason, m.receiver, m.medium) for m in plan.messages} == {
        (NotifyReason.ESCALATION, "noc-lead", "email"),
        (NotifyReason.ESCALATION, "noc-lead", "sms"),
    }
    assert plan.history == [(11, "escalated", "escalation to noc-lead"), (11, "escalation", "level 1: noc-lead")]
    assert plan.groups[KEY].escalation_level == 1 and "noc-lead" in plan.groups[KEY].told
    assert plan_notices({KEY: told}, members, ROUTING, T0, _link).groups[KEY] == told  # the input is not changed
