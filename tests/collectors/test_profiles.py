"""Profiles are data: every shipped file validates against the metric catalogue; mistakes are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from collectors.profile import PROFILE_DIR, load_profile, parse_profile
from collectors.snmp_eval import SnmpState, evaluate

SHIPPED = sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def test_the_six_profiles_ship() -> None:
    assert set(SHIPPED) >= {
        "ups-rfc1628", "if-mib", "host-resources", "radio-ubiquiti-airmax", "radio-mikrotik-wireless",
        "radio-cambium-epmp",
    }  # fmt: skip


@pytest.mark.parametrize("name", SHIPPED)
def test_profile_loads(name: str) -> None:
    p = load_profile(name)
    assert p.name == name
    assert p.scalars or p.tables


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown metric 'ups_mood'"):
        parse_profile("name: x\nscalars:\n  - {oid: 1.3.6.1.2.1.1.3.0, metric: ups_mood}\n")


def test_unknown_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="colour"):
        parse_profile("name: x\ncolour: red\n")


def test_a_new_vendor_is_a_file(tmp_path) -> None:
    (tmp_path / "acme-ups.yaml").write_text(
        "name: acme-ups\n"
        "scalars:\n  - {oid: 1.3.6.1.4.1.99.1.0, metric: ups_battery_charge_ratio, scale: 0.01}\n"
        "status:\n  - {metric: ups_battery_charge_ratio, lt: 0.2, status: degraded, reason: 'charge {value:.0%}'}\n"
    )
    p = load_profile("acme-ups", tmp_path)
    ev = evaluate(p, {"1.3.6.1.4.1.99.1.0": 15}, {}, SnmpState(), now=0.0)
    assert ev.status == "degraded" and ev.reason == "charge 15%"


def test_reboot_resets_counters_and_is_reported() -> None:
    p = load_profile("if-mib")
    col = "1.3.6.1.2.1.31.1.1.1.6"
    state = SnmpState()
    evaluate(p, {"1.3.6.1.2.1.1.3.0": 100000}, {col: {"1": 10**9}}, state, now=0.0)
    ev = evaluate(p, {"1.3.6.1.2.1.1.3.0": 500}, {col: {"1": 1000}}, state, now=30.0)
    assert {r.metric: r.value for r in ev.readings}["device_rebooted"] == 1.0
    assert not [r for r in ev.readings if r.metric == "if_in_bits_per_second"]  # no rate across a reboot
    ev = evaluate(p, {"1.3.6.1.2.1.1.3.0": 3500}, {col: {"1": 1000 + 30 * 125}}, state, now=60.0)
    assert [r.value for r in ev.readings if r.metric == "if_in_bits_per_second"] == [1000.0]


def test_collectors_emit_only_catalogue_metrics() -> None:
    import re
    from pathlib import Path

    from collectors.metrics import CATALOGUE

    src = Path(__file__).resolve().parents[2] / "collectors"
    used = {m for p in src.glob("*.py") for m in re.findall(r'metric="([a-z0-9_]+)"', p.read_text())}
    used |= {m for p in src.glob("*.py") for m in re.findall(r'"(ups_[a-z0-9_]+)", [0-9.]', p.read_text())}
    assert used and not (used - set(CATALOGUE))


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("radio-")])
def test_every_radio_profile_refuses_to_be_blind(name: str) -> None:
    # a radio whose profile finds no signal is degraded "no radio readings", never silently up
    ev = evaluate(load_profile(name), {"1.3.6.1.2.1.1.3.0": 100}, {}, SnmpState(), now=0.0)
    assert (ev.status, ev.reason) == ("degraded", "no radio readings")


def test_unknown_index_part_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown index part 'vlan'"):
        parse_profile("name: x\ntables:\n  - {label: a, index: [vlan], columns: []}\n")
