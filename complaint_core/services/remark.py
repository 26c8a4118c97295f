"""Re-marking a wrongly marked complaint to another town, department, agency or category, at any open stage.

SLA policy, stated once: the citizen's clock never restarts. Time runs from registration, pauses excluded. A new
category brings its own promised time, counted from registration, as if the complaint had been marked right at
first (so a re-mark can neither hide a delay nor shorten the time already given). A new town or department alone
keeps the promised time. Warnings and escalations already sent stay sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.adapters.repo import pauses_of
from complaint_core.config import CoreConfig
from complaint_core.lifecycle import Command
from complaint_core.model import InvalidInput
from complaint_core.routing import CategoryInfo, Directory
from complaint_core.sla import promised_seconds, sla_status


@dataclass(frozen=True)
class Remark:
    town_id: str | None
    department_id: str
    category: CategoryInfo
    promised: float  # seconds
    params: dict[str, Any]  # what the lifecycle and the event record


def plan_remark(row: ComplaintRow, cmd: Command, directory: Directory, config: CoreConfig) -> Remark:
    """Check the new town, department and category against the city; InvalidInput with every problem."""
    p = cmd.params
    errors: list[tuple[str, str]] = []
    town_id = p.get("town_id") or row.town_id
    if p.get("town_id") and directory.town(p["town_id"]) is None:
        errors.append(("town_id", f"unknown town {p['town_id']!r}"))
    category = directory.category(p.get("category_id") or row.category_id)
    if category is None:
        errors.append(("category_id", f"unknown category {p.get('category_id')!r}"))
    department_id = p.get("department_id") or (category.department_id if p.get("category_id") and category else None)
    department_id = department_id or row.department_id
    department = directory.department(department_id)
    if department is None:
        errors.append(("department_id", f"unknown department {department_id!r}"))
    elif p.get("category_id") and p.get("department_id") and category and category.department_id != department_id:
        errors.append(
            ("department_id", f"category {category.id} belongs to {category.department_id}, not {department_id}")
        )
    if errors:
        raise InvalidInput(errors)
    assert category is not None and department is not None
    same = (town_id, department_id, category.id) == (row.town_id, row.department_id, row.category_id)
    if same:
        raise InvalidInput([("town_id", "the complaint is already marked there")])
    promised = row.promised_seconds
    if category.id != row.category_id:
        promised = promised_seconds(category.promised_hours, row.priority if row.priority == "urgent" else "normal")
    triage = town_id is None and not department.city_wide
    moved_from = {"town_id": row.town_id, "department_id": row.department_id, "category_id": row.category_id}
    params = {"town_id": town_id, "department_id": department_id, "category_id": category.id, "from": moved_from}
    return Remark(town_id, department_id, category, promised, params | ({"triage": True} if triage else {}))


def apply_remark(row: ComplaintRow, remark: Remark, config: CoreConfig, now: datetime) -> None:
    """Move the row (the lifecycle has moved its status, town and department): category, ward and due date."""
    if row.town_id != remark.params["from"]["town_id"]:
        row.ward = None  # a ward of the old town means nothing in the new one
    row.category_id = remark.category.id
    row.parent_category_id = remark.category.parent_id
    row.promised_seconds = remark.promised
    st = sla_status(
        registered_at=row.registered_at, promised=remark.promised, pauses=pauses_of(row), now=now, cal=config.calendar
    )
    row.due_at = st.due_at
