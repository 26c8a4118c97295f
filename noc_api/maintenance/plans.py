"""Maintenance plans as data: ``maintenance.yaml`` beside the inventory, strict, every problem as ``file:line``.

A plan says what is done (a checklist), to which sites and devices (by site id, kind and town; device kind and
role), and how often. Each period it becomes one internal ticket per site it applies to: with ``devices``, the
checklist is repeated for each matching device of the site; without, it is done once for the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from collectors.spec import DeviceKind
from noc_api.inventory import Inventory, InventoryError, InventoryProblem
from noc_api.inventory.loader import parse_model, problems_at
from noc_api.inventory.model import Id, Site, SiteKind
from noc_api.maintenance.periods import Every
from noc_api.strict import Strict

PLANS_FILE = "maintenance.yaml"


class Item(Strict):
    id: Id
    text: str = Field(min_length=1, max_length=200)


class SiteSelector(Strict):
    """Which sites: every listed field must match (an empty field matches every site)."""

    id: list[Id] = []
    kind: list[SiteKind] = []
    town: list[Id] = []


class DeviceSelector(Strict):
    kind: list[DeviceKind] = Field(min_length=1)
    role: list[str] = []


class Plan(Strict):
    id: Id
    name: str = Field(min_length=1, max_length=120)
    every: Every
    description: str = ""
    sites: SiteSelector = SiteSelector()
    devices: DeviceSelector | None = None  # with it, the checklist is done for each matching device
    checklist: list[Item] = Field(min_length=1)
    category: Id = "noc-maintenance"  # the ticket's category
    fault_category: Id = "noc-maintenance-fault"  # the category of a ticket raised for a failed item
    window: bool = True  # work in progress opens maintenance windows for the plan's devices


class PlanFile(Strict):
    version: int = Field(ge=1, le=1)
    plans: list[Plan] = []


@dataclass(frozen=True)
class Task:
    """One checklist line of one site's ticket: an item, for a device or for the site itself ('')."""

    item_id: str
    device_id: str
    text: str


def site_matches(sel: SiteSelector, site: Site) -> bool:
    return (
        (not sel.id or site.id in sel.id)
        and (not sel.kind or site.kind in sel.kind)
        and (not sel.town or site.town in sel.town)
    )


def tasks_for(plan: Plan, site: Site) -> list[Task]:
    """The checklist of ``plan`` at ``site`` (empty when the plan does not apply there)."""
    if not site_matches(plan.sites, site):
        return []
    if plan.devices is None:
        return [Task(i.id, "", i.text) for i in plan.checklist]
    sel = plan.devices
    devices = [d for d in site.devices if d.kind in sel.kind and (not sel.role or d.role in sel.role)]
    return [Task(i.id, d.id, f"{d.name or d.id}: {i.text}") for d in devices for i in plan.checklist]


def check_plans(pf: PlanFile, inv: Inventory) -> Iterator[tuple[tuple, str]]:
    """Problems of meaning: duplicate ids, unknown sites, towns and categories, plans that apply to nothing."""
    sites = {s.id for s in inv.sites}
    towns = {t.id for t in inv.towns}
    categories = {c.id for c in inv.categories} | {s.id for c in inv.categories for s in c.sub_categories}
    seen: set[str] = set()
    for i, plan in enumerate(pf.plans):
        if plan.id in seen:
            yield ("plans", i, "id"), f"plan id {plan.id!r} given twice"
        seen.add(plan.id)
        items: set[str] = set()
        for k, item in enumerate(plan.checklist):
            if item.id in items:
                yield ("plans", i, "checklist", k, "id"), f"checklist item {item.id!r} given twice"
            items.add(item.id)
        for k, ref in enumerate(plan.sites.id):
            if ref not in sites:
                yield ("plans", i, "sites", "id", k), f"unknown site {ref!r}"
        for k, ref in enumerate(plan.sites.town):
            if ref not in towns:
                yield ("plans", i, "sites", "town", k), f"unknown town {ref!r}"
        for field in ("category", "fault_category"):
            if getattr(plan, field) not in categories:
                yield ("plans", i, field), f"unknown category {getattr(plan, field)!r} (add it to the inventory)"
        if not any(tasks_for(plan, s) for s in inv.sites):
            yield ("plans", i), f"plan {plan.id!r} applies to no site or device of the inventory"


def parse_plans(text: str, inv: Inventory, file: str = PLANS_FILE) -> list[Plan]:
    """Parse and validate plans against the inventory; InventoryError lists every problem with its line."""
    pf, lines = parse_model(text, file, PlanFile)
    problems = problems_at(lines, list(check_plans(pf, inv)))
    if problems:
        raise InventoryError(file, problems)
    return list(pf.plans)


def plans_file_for(inventory_path: Path) -> Path:
    """Where a city's plans live: ``maintenance.yaml`` in the inventory's folder."""
    return Path(inventory_path).with_name(PLANS_FILE)


def load_plans(inventory_path: Path, inv: Inventory) -> list[Plan]:
    """The plans beside the inventory; none when there is no plans file."""
    path = plans_file_for(inventory_path)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InventoryError(str(path), [InventoryProblem(0, "", f"cannot read: {exc.strerror}")]) from None
    return parse_plans(text, inv, str(path))
