"""Maintenance plans as data: the shipped plans follow Karachi's procedure; a wrong file fails with file:line."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from noc_api.inventory import InventoryError, load_inventory
from noc_api.maintenance.periods import Every, period_of
from noc_api.maintenance.plans import load_plans, parse_plans, tasks_for

ROOT = Path(__file__).resolve().parents[2]
GOOD = """\
version: 1
plans:
  - id: towers
    name: Towers
    every: half_year
    devices: {kind: [radio]}
    checklist:
      - {id: repaint, text: Repaint}
"""


@pytest.fixture(scope="module")
def inv():
    return load_inventory(ROOT / "inventory.yaml")


def problems(text: str, inv) -> list[str]:
    with pytest.raises(InventoryError) as err:
        parse_plans(text, inv, "maintenance.yaml")
    return str(err.value).splitlines()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_plans_follow_the_procedure(inv) -> None:
    plans = {p.id: p for p in load_plans(ROOT / "inventory.yaml", inv)}
    tower = plans["radio-tower"]
    assert tower.every is Every.HALF_YEAR and tower.devices.kind == ["radio"]
    assert [i.id for i in tower.checklist] == ["repaint", "guy-wire", "power-cable", "data-cable"]
    assert (plans["server-patching"].every, plans["server-patching"].devices.kind) == (Every.MONTH, ["server"])
    assert plans["antivirus-signatures"].every is Every.WEEK
    assert set(plans["antivirus-signatures"].devices.kind) == {"server", "workstation"}
    assert plans["network-health"].every is Every.MONTH
    assert set(plans["network-health"].devices.kind) == {"switch", "router", "firewall"}
    assert (plans["ups-battery"].every, plans["ups-battery"].devices.kind) == (Every.QUARTER, ["ups"])
    peripherals = plans["peripherals"]
    assert peripherals.every is Every.MONTH and peripherals.devices is None  # once per site
    sites = {s.id: s for s in inv.sites}
    assert all(tasks_for(peripherals, s) for s in inv.sites)
    orangi = tasks_for(tower, sites["town-orangi"])
    assert [(t.item_id, t.device_id) for t in orangi] == [
        ("repaint", "radio-orangi"),
        ("guy-wire", "radio-orangi"),
        ("power-cable", "radio-orangi"),
        ("data-cable", "radio-orangi"),
    ]


def test_every_problem_with_its_line(inv) -> None:
    text = GOOD + (
        "  - id: towers\n"
        "    name: Again\n"
        "    every: fortnight\n"
        "    colour: red\n"
        "    sites: {town: [atlantis], id: [town-nowhere]}\n"
        "    category: noc-nothing\n"
        "    checklist:\n"
        "      - {id: a, text: A}\n"
        "      - {id: a, text: B}\n"
    )
    found = problems(text, inv)
    assert f"maintenance.yaml:{line_of(text, 'fortnight')}: Input should be 'week', 'month', 'quarter', " in found[0]
    assert any(f"maintenance.yaml:{line_of(text, 'colour')}: unknown key 'colour'" in p for p in found)
    # shape first: once it parses, meaning
    text = text.replace("    every: fortnight\n    colour: red\n", "    every: month\n")
    found = problems(text, inv)
    assert f"maintenance.yaml:{line_of(text, 'name: Again') - 1}: plan id 'towers' given twice (plans[1].id)" in found
    assert any(f":{line_of(text, 'atlantis')}: unknown town 'atlantis'" in p for p in found)
    assert any("unknown site 'town-nowhere'" in p for p in found)
    assert any(f":{line_of(text, 'noc-nothing')}: unknown category 'noc-nothing'" in p for p in found)
    assert any(f":{line_of(text, 'text: B')}: checklist item 'a' given twice" in p for p in found)
    assert any("plan 'towers' applies to no site or device of the inventory" in p for p in found)


def test_ccis_inventory_check_validates_the_plans_beside_it(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text((ROOT / "inventory.yaml").read_text())
    plans = tmp_path / "maintenance.yaml"
    plans.write_text((ROOT / "maintenance.yaml").read_text())
    run = [sys.executable, "-m", "ccis.cli", "inventory", "check", str(inventory)]
    ok = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert f"{plans}: ok (6 maintenance plans)" in ok.stdout
    plans.write_text(plans.read_text().replace("every: quarter", "every: quarterly"))
    bad = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1
    assert f"{plans}:{line_of(plans.read_text(), 'quarterly')}: Input should be" in bad.stderr


def test_periods_in_the_citys_time() -> None:
    # 00:30 on 1 July in Karachi is still June in UTC: the period is the city's
    now = datetime(2026, 6, 30, 19, 30, tzinfo=UTC)
    h2 = period_of(Every.HALF_YEAR, now, "Asia/Karachi")
    assert (h2.key, h2.start, h2.end) == (
        "2026-H2",
        datetime(2026, 6, 30, 19, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 19, 0, tzinfo=UTC),
    )
    assert period_of(Every.MONTH, now, "Asia/Karachi").key == "2026-07"
    assert period_of(Every.QUARTER, now, "Asia/Karachi").key == "2026-Q3"
    week = period_of(Every.WEEK, datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "Asia/Karachi")
    assert (week.key, week.start) == ("2026-W49", datetime(2026, 11, 29, 19, 0, tzinfo=UTC))  # Monday 30 Nov
    assert period_of(Every.YEAR, now, "Asia/Karachi").end == datetime(2026, 12, 31, 19, 0, tzinfo=UTC)
