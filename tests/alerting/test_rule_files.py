"""Bad rule and routing files: each kind of error with its line; `ccis rules check` exits 1; good rules still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccis.cli import main
from noc_api.alerting.loader import load_rule_text, load_rules_dir
from noc_api.alerting.routing import load_routing_text

GOOD = """rules:
  - name: ok_rule
    select: {metric: ups_on_battery}
    when: {equals: 1}
    severity: warning
    summary: "UPS {{ device }}"
"""

CASES = [
    (
        "unknown metric",
        "rules:\n  - name: a\n    select: {metric: nope}\n    when: {above: 1}\n    severity: info\n    summary: x\n",
        3,
        "unknown metric 'nope'",
    ),
    (
        "unknown key",
        "rules:\n  - name: a\n    select: {metric: ups_on_battery}\n    when: {equals: 1}\n"
        "    severity: info\n    summary: x\n    colour: red\n",
        7,
        "unknown key 'colour'",
    ),
    (
        "two tests",
        "rules:\n  - name: a\n    select: {metric: ups_on_battery}\n    when: {above: 1, below: 0}\n"
        "    severity: info\n    summary: x\n",
        4,
        "exactly one test",
    ),
    (
        "bad severity",
        "rules:\n  - name: a\n    select: {metric: ups_on_battery}\n    when: {equals: 1}\n"
        "    severity: loud\n    summary: x\n",
        5,
        "severity",
    ),
    (
        "bad duration",
        "rules:\n  - name: a\n    select: {metric: ups_on_battery}\n    when: {equals: 1}\n"
        "    for: 5 minutes\n    severity: info\n    summary: x\n",
        5,
        "bad duration",
    ),
    (
        "hysteresis backwards",
        "rules:\n  - name: a\n    select: {metric: radio_snr_db}\n"
        "    when: {below: 15, clear_above: 10}\n    severity: info\n    summary: x\n",
        4,
        "hysteresis",
    ),
    (
        "state on metric",
        "rules:\n  - name: a\n    select: {metric: radio_snr_db}\n    when: {state: [down]}\n"
        "    severity: info\n    summary: x\n",
        2,
        "state_of",
    ),
    (
        "bad template",
        "rules:\n  - name: a\n    select: {state_of: site}\n    when: {state: [down]}\n"
        '    severity: info\n    summary: "{{ site "\n',
        6,
        "bad template",
    ),
    ("bad yaml", "rules:\n  - name: a\n   bad: [\n", 3, "invalid YAML"),
    (
        "duplicate key",
        "rules:\n  - name: a\n    name: b\n    select: {state_of: site}\n    when: {state: [down]}\n"
        "    severity: info\n    summary: x\n",
        3,
        "given twice",
    ),
    (
        "unknown state",
        "rules:\n  - name: a\n    select: {state_of: site}\n    when: {state: [exploded]}\n"
        "    severity: info\n    summary: x\n",
        2,
        "unknown state 'exploded'",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "msg"), CASES, ids=[c[0] for c in CASES])
def test_each_error_kind_names_its_line(name: str, text: str, line: int, msg: str) -> None:
    rules, problems = load_rule_text(text, "x.yaml")
    assert rules == []
    assert any(p.line == line and msg in p.msg for p in problems), [str(p) for p in problems]


def test_duplicate_rule_name_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text("# same name\n" + GOOD)
    rs = load_rules_dir(tmp_path)
    assert [str(p) for p in rs.problems] == [
        f"{tmp_path / 'b.yaml'}:3: rule 'ok_rule' already defined at {tmp_path / 'a.yaml'}:2"
    ]
    assert len(rs.rules) == 1


def test_bad_file_does_not_hide_good_ones_and_cli_reports(tmp_path: Path, capsys) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(CASES[0][1])
    (tmp_path / "routing.yaml").write_text(Path("alert_rules/routing.yaml").read_text())
    rs = load_rules_dir(tmp_path)
    assert [r.rule.name for r in rs.rules] == ["ok_rule"] and len(rs.problems) == 1
    assert main(["rules", "check", str(tmp_path)]) == 1
    assert f"{tmp_path / 'bad.yaml'}:3: rules[0].select.metric: unknown metric 'nope'" in capsys.readouterr().err


def test_shipped_rules_and_routing_are_clean(capsys) -> None:
    assert main(["rules", "check", "alert_rules"]) == 0
    shipped = sum(f.read_text().count("\n  - name: ") for f in Path("alert_rules").glob("*.yaml"))
    assert f"ok ({shipped} rules" in capsys.readouterr().out


def test_routing_cross_references_have_lines() -> None:
    text = """receivers:
  a: {email: [x@y.z]}
oncall:
  net: {receivers: [a, ghost]}
escalations:
  chain:
    - {after: 0s, oncall: net}
    - {after: 0s, oncall: nobody}
routes:
  - {match: {}, escalation: chain}
  - {match: {}, oncall: missing}
"""
    routing, problems = load_routing_text(text, "routing.yaml")
    got = {str(p) for p in problems}
    assert routing is None
    assert "routing.yaml:4: oncall.net: undefined receiver 'ghost'" in got
    assert "routing.yaml:8: escalations.chain[1]: undefined on-call group 'nobody'" in got
    assert "routing.yaml:8: escalations.chain[1]: 'after' must grow along the chain" in got
    assert "routing.yaml:11: routes[1]: undefined on-call group 'missing'" in got


def test_routing_needs_a_catch_all_last_route() -> None:
    text = (
        "receivers:\n  a: {email: [x@y.z]}\noncall:\n  net: {receivers: [a]}\nroutes:\n"
        "  - {match: {severity: [critical]}, oncall: net}\n"
    )
    routing, problems = load_routing_text(text, "routing.yaml")
    assert routing is None and [str(p) for p in problems] == [
        "routing.yaml:6: the last route must match everything ({match: {}} without hours): no alert goes unheard"
    ]


def test_selectors_naming_unknown_sites_or_towns(tmp_path: Path, capsys, inventory_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        GOOD.replace("select: {metric: ups_on_battery}", "select: {metric: ups_on_battery, town: [orangi, atlantis]}")
    )
    (tmp_path / "routing.yaml").write_text(Path("alert_rules/routing.yaml").read_text())
    assert main(["rules", "check", str(tmp_path)]) == 0  # without an inventory nothing to cross-check
    capsys.readouterr()
    assert main(["rules", "check", str(tmp_path), "--inventory", str(inventory_path)]) == 1
    assert (
        capsys.readouterr().err.splitlines()[0] == f"{tmp_path / 'r.yaml'}:2: rule 'ok_rule': unknown town 'atlantis'"
    )


def test_every_shipped_rule_fires_in_a_real_path_test() -> None:
    """A new shipped rule needs an end-to-end test (real agent, peer, sweep, mail): tests/alerting/test_real_*.py."""
    root = Path(__file__).resolve().parents[2]
    text = "".join(p.read_text() for p in sorted((root / "tests" / "alerting").glob("test_real_*.py")))
    shipped = [r.rule.name for r in load_rules_dir(root / "alert_rules").rules]
    assert len(shipped) == 25
    assert [name for name in shipped if f'"{name}"' not in text] == []
