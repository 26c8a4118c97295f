"""The pure cores, table-driven: matchers, needs_notify, thresholds with hysteresis, rates, absence, routing,
backoff and escalation steps. No database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from noc_api.alerting.dispatch import Last, NotifyReason, due_escalation, needs_notify
from noc_api.alerting.evaluate import evaluate
from noc_api.alerting.loader import load_rule_text
from noc_api.alerting.mute import Matcher, match
from noc_api.alerting.routing import Step, load_routing_text, match_route, receivers_at
from noc_api.health.model import HealthSnapshot, State
from noc_api.notify.retry import backoff
from tests.alerting.conftest import ROOT, T0, dev, sample

L = {"alertname": "site_down", "town": "orangi", "severity": "critical"}


@pytest.mark.parametrize(
    ("name", "matchers", "want"),
    [
        ("equal", [Matcher("town", "orangi")], True),
        ("equal other", [Matcher("town", "lyari")], False),
        ("not equal", [Matcher("town", "lyari", "!=")], True),
        ("regex full match", [Matcher("town", "or.*", "=~")], True),
        ("regex is anchored", [Matcher("town", "ora", "=~")], False),
        ("negative regex", [Matcher("town", "ly.*", "!~")], True),
        ("all must hold", [Matcher("town", "orangi"), Matcher("severity", "warning")], False),
        ("missing label is empty", [Matcher("site", "")], True),
        ("missing label != x matches", [Matcher("site", "x", "!=")], True),
        ("no matchers match nothing", [], False),
    ],
)
def test_match(name: str, matchers: list[Matcher], want: bool) -> None:
    assert match(L, matchers) is want


NOW = T0 + timedelta(hours=1)
A, B = frozenset({"a"}), frozenset({"a", "b"})


@pytest.mark.parametrize(
    ("name", "last", "firing", "resolved", "want"),
    [
        ("first notice", None, A, frozenset(), NotifyReason.FIRING),
        ("nothing firing, nothing told", None, frozenset(), frozenset(), NotifyReason.NONE),
        ("new alert joins", Last(A, NOW - timedelta(minutes=1)), B, frozenset(), NotifyReason.UPDATE),
        ("same alerts, recent", Last(B, NOW - timedelta(minutes=1)), B, frozenset(), NotifyReason.NONE),
        ("subset still firing", Last(B, NOW - timedelta(minutes=1)), A, frozenset({"b"}), NotifyReason.NONE),
        ("repeat interval passed", Last(A, NOW - timedelta(hours=5)), A, frozenset(), NotifyReason.REPEAT),
        ("all resolved", Last(A, NOW - timedelta(minutes=1)), frozenset(), A, NotifyReason.RESOLVED),
        ("moved away, not resolved", Last(A, NOW - timedelta(minutes=1)), frozenset(), frozenset(), NotifyReason.NONE),
    ],
)
def test_needs_notify(name: str, last, firing, resolved, want) -> None:
    assert needs_notify(last, firing, resolved, 4 * 3600, NOW) == want


RULES = """rules:
  - {name: snr, select: {metric: radio_snr_db}, when: {below: 15, clear_above: 18}, severity: warning, summary: s}
  - {name: fall, select: {metric: radio_signal_dbm}, when: {rate_below: -2}, severity: warning, summary: f}
  - {name: quiet, select: {metric: agent_outbox_depth}, when: {absent_for: 5m}, severity: warning, summary: q}
  - {name: port, select: {metric: if_oper_up, labels_regex: {interface: "(?i)uplink.*"}}, when: {equals: 0},
     severity: critical, summary: p}
"""


def _eval(samples, active=frozenset(), memory=None, now=T0):
    rules, problems = load_rule_text(RULES, "t.yaml")
    assert problems == []
    snap = HealthSnapshot(at=now, devices={"r1": dev("r1", "s1", "t1", "radio", State.UP)}, latest=samples)
    hits, _ = evaluate(rules, snap, {} if memory is None else memory, set(active), now)
    return {h.rule: h for h in hits.values()}


def test_hysteresis_holds_until_the_clear_threshold() -> None:
    assert "snr" in _eval([sample("r1", "radio_snr_db", 14, T0)])
    fp = _eval([sample("r1", "radio_snr_db", 14, T0)])["snr"].fingerprint
    assert "snr" not in _eval([sample("r1", "radio_snr_db", 16, T0)])  # not yet firing: 16 is fine
    assert "snr" in _eval([sample("r1", "radio_snr_db", 16, T0)], active={fp})  # firing: holds until above 18
    assert "snr" not in _eval([sample("r1", "radio_snr_db", 18.5, T0)], active={fp})


def test_rate_of_change_per_minute() -> None:
    memory: dict = {}
    assert "fall" not in _eval([sample("r1", "radio_signal_dbm", -60, T0)], memory=memory)
    t1 = T0 + timedelta(minutes=1)
    hit = _eval([sample("r1", "radio_signal_dbm", -63, t1)], memory=memory, now=t1)["fall"]
    assert hit.values["rate"] == pytest.approx(-3.0)
    t2 = t1 + timedelta(minutes=1)
    assert "fall" not in _eval([sample("r1", "radio_signal_dbm", -64, t2)], memory=memory, now=t2)


def test_rate_holds_between_samples_so_for_can_elapse() -> None:
    """Sweeps run every second, the radio is polled every 30 s: the rate of the last two samples still stands
    in the sweeps between them (before, every such sweep cancelled the pending alert and `for: 2m` never ran)."""
    memory: dict = {}
    at, value = T0, -60.0
    _eval([sample("r1", "radio_signal_dbm", value, at)], memory=memory, now=at)
    for second in range(1, 181):
        now = T0 + timedelta(seconds=second)
        if second % 30 == 0:
            at, value = now, value - 3  # -6 dB/min
        hits = _eval([sample("r1", "radio_signal_dbm", value, at)], memory=memory, now=now)
        if second >= 30:
            assert hits["fall"].values["rate"] == pytest.approx(-6.0), second


def test_absence_for_a_duration_and_label_regex() -> None:
    old = sample("r1", "agent_outbox_depth", 3, T0 - timedelta(minutes=6))
    fresh = sample("r1", "agent_outbox_depth", 3, T0 - timedelta(minutes=1))
    assert "quiet" in _eval([old]) and "quiet" not in _eval([fresh])
    assert "port" in _eval([sample("r1", "if_oper_up", 0, T0, interface="Uplink-1")])
    assert "port" not in _eval([sample("r1", "if_oper_up", 0, T0, interface="Gi0/3")])


def test_routing_by_severity_team_and_time_of_day() -> None:
    routing, problems = load_routing_text((ROOT / "alert_rules" / "routing.yaml").read_text(), "routing.yaml")
    assert problems == [] and routing is not None
    karachi_day = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # 14:00 in Karachi
    karachi_night = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # 23:00 in Karachi
    from noc_api.alerting.routing import local_time

    crit = match_route({"severity": "critical", "team": "network"}, routing, local_time(routing, karachi_day))
    assert [s.oncall for s in crit.chain] == ["network", "noc-lead", "it-head"]
    power = match_route({"severity": "critical", "team": "power"}, routing, local_time(routing, karachi_day))
    assert power.chain[0].oncall == "power"
    desk_night = match_route({"severity": "warning", "team": "desktop"}, routing, local_time(routing, karachi_night))
    assert desk_night.chain[0].oncall == "network"  # the desktop team is day-only; nights go to network on call
    assert receivers_at(routing, "network", local_time(routing, karachi_night)) == ["eng-night", "noc-desk"]
    assert receivers_at(routing, "network", local_time(routing, karachi_day)) == ["eng-day", "noc-desk"]


def test_route_by_device_kind_and_town() -> None:
    text = """receivers:
  ups-team: {email: [u@x.y]}
  lyari: {email: [l@x.y]}
  rest: {email: [r@x.y]}
oncall:
  ups: {receivers: [ups-team]}
  lyari: {receivers: [lyari]}
  rest: {receivers: [rest]}
routes:
  - {match: {device_kind: [ups]}, oncall: ups}
  - {match: {town: [lyari]}, oncall: lyari}
  - {match: {}, oncall: rest}
"""
    routing, problems = load_routing_text(text, "r.yaml")
    assert problems == []
    hits = _eval([sample("r1", "if_oper_up", 0, T0, interface="uplink-1")])
    assert hits["port"].labels["device_kind"] == "radio"  # the device's kind becomes a label routes can use
    at = T0
    assert match_route({"device_kind": "ups", "town": "lyari"}, routing, at).chain[0].oncall == "ups"
    assert match_route({"device_kind": "radio", "town": "lyari"}, routing, at).chain[0].oncall == "lyari"
    assert match_route({"town": "orangi"}, routing, at).chain[0].oncall == "rest"


def test_escalation_steps_and_backoff() -> None:
    chain = (Step(after=0, oncall="a"), Step(after=900, oncall="b"), Step(after=2700, oncall="c"))
    assert due_escalation(chain, 0, T0, T0 + timedelta(minutes=14)) is None
    assert due_escalation(chain, 0, T0, T0 + timedelta(minutes=15)) == 1
    assert due_escalation(chain, 1, T0, T0 + timedelta(minutes=44)) is None
    assert due_escalation(chain, 0, T0, T0 + timedelta(hours=2)) == 2  # a late cycle jumps to the due step
    assert [backoff(n, 5, 600) for n in (1, 2, 3, 8, 20)] == [5, 10, 20, 600, 600]


def test_exported_members() -> None:
    import noc_api.alerting as pkg

    assert sorted(pkg.__all__) == sorted(
        n
        for n in dir(pkg)
        if not n.startswith("_")
        and n[0].isupper()
        or n in {"is_suppressed", "load_rules_dir", "match", "needs_notify", "rules_status", "run_notification_cycle"}
    )
