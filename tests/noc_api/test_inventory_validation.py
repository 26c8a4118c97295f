"""inventory.yaml validation: every problem reported as FILE:LINE: message, all at once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from noc_api.inventory import InventoryError, load_inventory, parse_inventory

BASE = """\
version: 1
city: {code: KHI, name: Karachi}
credentials:
  - {id: snmp-ro, kind: snmp_v2c, community_env: CCIS_SNMP_COMMUNITY}
departments:
  - {id: kwsb, name: KW&SB, city_wide: true}
towns:
  - {id: orangi, name: Orangi}
categories:
  - {id: water-leakage, name: Water leakage, department: kwsb, promised_hours: 48}
sites:
  - id: dc
    name: Data centre
    kind: data_centre
    town: orangi
    devices:
      - {id: core-sw, kind: switch, address: 10.0.0.2, collect: {method: snmp, profile: if-mib, credential: snmp-ro}}
      - {id: radio-dc, kind: radio, address: 10.0.0.3, collect: {method: tcp, port: 22}, depends_on: [core-sw]}
  - id: town-orangi
    name: Orangi
    kind: town_office
    town: orangi
    devices:
      - {id: radio-orangi, kind: radio, address: 10.1.0.2, collect: {method: tcp, port: 22}, depends_on: [radio-dc]}
      - {id: orangi-sw, kind: switch, address: 10.1.0.3, collect: {method: tcp, port: 22}, depends_on: [radio-orangi]}
      - {id: orangi-pc-01, kind: workstation, address: 10.1.0.21, collect: {method: psutil}, depends_on: [orangi-sw]}
channels:
  - {id: walk-in-orangi, name: Orangi counter, kind: walk_in, site: town-orangi,
     requires: {all: [orangi-sw, {at_least: 1, of: [orangi-pc-01]}]}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text, "city.yaml")
    return str(info.value).splitlines()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_base_is_valid() -> None:
    inv = parse_inventory(BASE)
    assert [s.id for s in inv.sites] == ["dc", "town-orangi"]


CASES = [
    # name, old, new, line marker in the changed text, expected message fragment
    (
        "unknown town",
        "town: orangi\n    devices:\n      - {id: radio-orangi",
        "town: lyari\n    devices:\n      - {id: radio-orangi",
        "town: lyari",
        "unknown town 'lyari'",
    ),
    (
        "unknown dependency",
        "depends_on: [radio-dc]}",
        "depends_on: [radio-xx]}",
        "radio-xx",
        "depends_on names unknown device 'radio-xx'",
    ),
    (
        "duplicate device id",
        "{id: orangi-pc-01,",
        "{id: orangi-sw,",
        "id: orangi-sw, kind: workstation",
        "duplicate site or device id 'orangi-sw'",
    ),
    ("bad address", "address: 10.1.0.21", "address: 10.1.0.300", "10.1.0.300", "bad address '10.1.0.300'"),
    ("unknown method", "{method: psutil}", "{method: telepathy}", "telepathy", "'telepathy'"),
    (
        "missing credential",
        "credential: snmp-ro}}",
        "credential: snmp-rw}}",
        "snmp-rw",
        "unknown credential 'snmp-rw'",
    ),
    (
        "snmp without credential",
        "profile: if-mib, credential: snmp-ro}",
        "profile: if-mib}",
        "profile: if-mib}",
        "snmp collection needs a credential reference",
    ),
    (
        "channel requiring nothing",
        "requires: {all: [orangi-sw, {at_least: 1, of: [orangi-pc-01]}]}}",
        "requires: {all: []}}",
        "requires: {all: []}",
        "channel requires nothing",
    ),
    (
        "channel requires unknown",
        "of: [orangi-pc-01]",
        "of: [orangi-pc-09]",
        "orangi-pc-09",
        "requires unknown device or site 'orangi-pc-09'",
    ),
    (
        "at_least too many",
        "at_least: 1,",
        "at_least: 3,",
        "at_least: 3",
        "at_least 3 is more than the 1 listed",
    ),
    (
        "unknown key",
        "kind: data_centre",
        "kind: data_centre\n    colour: red",
        "colour: red",
        "unknown key 'colour'",
    ),
    (
        "missing key",
        "  - {id: orangi, name: Orangi}",
        "  - {id: orangi}",
        "{id: orangi}",
        "missing required key 'name'",
    ),
    (
        "unknown department",
        "department: kwsb,",
        "department: water,",
        "department: water",
        "unknown department 'water'",
    ),
    (
        "secret inline",
        "community_env: CCIS_SNMP_COMMUNITY",
        "community: public",
        "community: public",
        "unknown key 'community'",
    ),
    (
        "duplicate yaml key",
        "    town: orangi\n    devices:\n      - {id: core-sw",
        "    town: orangi\n    town: orangi\n    devices:\n      - {id: core-sw",
        "town: orangi",
        "key 'town' given twice",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "marker", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_names_file_and_line(name: str, old: str, new: str, marker: str, fragment: str) -> None:
    assert old in BASE, name
    text = BASE.replace(old, new, 1)
    found = problems(text)
    matching = [p for p in found if fragment in p]
    assert matching, found
    # Duplicate keys are reported at the second occurrence.
    lines = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    expected = lines[1] if name == "duplicate yaml key" else lines[0]
    if name == "duplicate device id":
        expected = line_of(text, "{id: orangi-sw, kind: workstation")
    assert matching[0].startswith(f"city.yaml:{expected}: "), (matching, expected)


def test_dependency_cycle_shows_its_path() -> None:
    text = BASE.replace(
        "{id: core-sw, kind: switch, address: 10.0.0.2, collect: {method: snmp, profile: if-mib, credential: snmp-ro}}",
        "{id: core-sw, kind: switch, address: 10.0.0.2, collect: {method: snmp, profile: if-mib, "
        "credential: snmp-ro}, depends_on: [orangi-sw]}",
    )
    found = problems(text)
    cycle = [p for p in found if "dependency cycle" in p]
    assert len(cycle) == 1, found
    assert "core-sw -> orangi-sw -> radio-orangi -> radio-dc -> core-sw" in cycle[0] or all(
        d in cycle[0] for d in ("core-sw", "orangi-sw", "radio-orangi", "radio-dc")
    )
    assert cycle[0].startswith("city.yaml:")


def test_all_problems_at_once_sorted_by_line() -> None:
    text = BASE.replace("address: 10.1.0.21", "address: not an address!").replace("of: [orangi-pc-01]", "of: [nope]")
    found = problems(text)
    assert len(found) == 2
    assert int(found[0].split(":")[1]) < int(found[1].split(":")[1])


def test_yaml_syntax_error_has_a_line() -> None:
    found = problems(BASE.replace("towns:\n", "towns:\n  - [unclosed\n"))
    assert found[0].startswith("city.yaml:") and "invalid YAML" in found[0]


def test_missing_file(tmp_path) -> None:
    with pytest.raises(InventoryError, match="cannot read"):
        load_inventory(tmp_path / "nope.yaml")


def test_shipped_inventory_models_karachi(inventory_path) -> None:
    inv = load_inventory(inventory_path)
    towns = {t.name for t in inv.towns}
    assert len(towns) == 18 and {"Orangi", "Gadap", "Liaquatabad", "Bin Qasim"} <= towns
    sites = {s.id: s for s in inv.sites}
    assert {"dc-civic", "cc-1339", "qc-centre", "civic-walkin", "kbca", "kwsb"} <= set(sites)
    assert sum(1 for s in inv.sites if s.kind == "town_office" and s.id.startswith("town-")) == 18
    counts = {s.id: sum(1 for d in s.devices if d.kind == "workstation") for s in inv.sites}
    assert counts["cc-1339"] == 25 and counts["qc-centre"] == 8 and counts["civic-walkin"] == 8
    assert counts["kbca"] == 3 and counts["kwsb"] == 5 and counts["town-orangi"] == 2
    # Every town has both radio ends, a switch and a UPS.
    devices = {d.id: (s.id, d) for s, d in inv.devices()}
    for t in inv.towns:
        assert f"radio-{t.id}" in devices and f"radio-{t.id}-dc" in devices
        assert f"town-{t.id}-sw" in devices and f"town-{t.id}-ups" in devices
    kinds = {ch.kind for ch in inv.channels}
    assert {"call_centre", "web", "walk_in", "chatbot", "sms", "mayor_office", "email"} <= kinds
    dc_kinds = {d.kind for d in sites["dc-civic"].devices}
    assert {"switch", "firewall", "server", "ups", "generator"} <= dc_kinds
    assert any(c.department == "kwsb" for c in inv.categories)


def test_cli_check_exit_codes(tmp_path, inventory_path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "ccis.cli", "inventory", "check", str(inventory_path)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "24 sites" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("depends_on: [radio-dc]}", "depends_on: [radio-xx]}"))
    res = subprocess.run(
        [sys.executable, "-m", "ccis.cli", "inventory", "check", str(bad)], capture_output=True, text=True
    )
    assert res.returncode == 1
    assert f"{bad}:{line_of(bad.read_text(), 'radio-xx')}: depends_on names unknown device 'radio-xx'" in res.stderr
