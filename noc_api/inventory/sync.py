"""Reconcile the database with the inventory file: add, change and retire rows, recording each change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.db import models as m
from noc_api.inventory.model import AnyOf, Inventory


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"


def _rows(inv: Inventory) -> list[tuple[str, type[Any], dict[str, dict[str, Any]]]]:
    """The wanted state of each table, as column dicts keyed by id."""
    towns = {
        t.id: {
            "name": t.name,
            "zone": t.zone,
            "wards": list(t.wards),
            "boundary": [list(p) for p in t.boundary] if t.boundary else None,
        }
        for t in inv.towns
    }
    depts = {
        d.id: {"name": d.name, "city_wide": d.city_wide, "head": d.head, "phone": d.phone, "email": d.email}
        for d in inv.departments
    }
    cats: dict[str, dict[str, Any]] = {}
    for c in inv.categories:
        cats[c.id] = {
            "name": c.name,
            "department_id": c.department,
            "parent_id": None,
            "promised_hours": c.promised_hours,
            "priority": c.priority,
        }
        for sub in c.sub_categories:
            cats[sub.id] = {
                "name": sub.name,
                "department_id": c.department,
                "parent_id": c.id,
                "promised_hours": sub.promised_hours or c.promised_hours,
                "priority": c.priority,
            }
    sites = {
        s.id: {
            "name": s.name,
            "kind": s.kind.value,
            "town_id": s.town,
            "address": s.address,
            "seats": s.seats,
            "agent_host": s.agent_host,
            "uplink": s.uplink,
        }
        for s in inv.sites
    }
    devices = {
        d.id: {
            "site_id": s.id,
            "kind": d.kind.value,
            "name": d.name,
            "role": d.role,
            "address": d.address,
            "method": d.collect.method.value,
            "collect": d.collect.model_dump(mode="json", exclude_defaults=True),
            "depends_on": [{"any": list(x.any)} if isinstance(x, AnyOf) else x for x in d.depends_on],
        }
        for s, d in inv.devices()
    }
    channels = {
        c.id: {
            "name": c.name,
            "kind": c.kind.value,
            "site_id": c.site,
            "requires": c.requires.model_dump(mode="json", exclude_none=True),
        }
        for c in inv.channels
    }
    # Order matters: parents before children for foreign keys.
    return [
        ("town", m.Town, towns),
        ("department", m.Department, depts),
        ("category", m.Category, cats),
        ("site", m.Site, sites),
        ("device", m.Device, devices),
        ("channel", m.Channel, channels),
    ]


def sync_inventory(session: Session, inv: Inventory) -> SyncResult:
    """Make the database match ``inv``; rows gone from the file are retired (active=False), never deleted."""
    result = SyncResult()
    for entity, model, wanted in _rows(inv):
        existing = {row.id: row for row in session.scalars(select(model))}
        # Categories refer to their parent: insert parents first.
        order = sorted(wanted, key=lambda k: wanted[k].get("parent_id") is not None)
        for ident in order:
            values = wanted[ident]
            row = existing.get(ident)
            if row is None:
                session.add(model(id=ident, active=True, **values))
                session.flush()
                result.added.append(f"{entity}:{ident}")
                _record(session, entity, ident, "added", None, values)
                continue
            before = {k: getattr(row, k) for k in values}
            if before != values or not row.active:
                for k, v in values.items():
                    setattr(row, k, v)
                row.active = True
                result.changed.append(f"{entity}:{ident}")
                _record(
                    session,
                    entity,
                    ident,
                    "changed",
                    _diff(before, values, True),
                    _diff(values, before, True),
                )
        for ident, row in existing.items():
            if ident not in wanted and row.active:
                row.active = False
                result.removed.append(f"{entity}:{ident}")
                _record(session, entity, ident, "removed", {k: getattr(row, k) for k in ("name",)}, None)
    session.flush()
    return result


def _diff(a: dict, b: dict, only_changed: bool) -> dict:
    return {k: v for k, v in a.items() if not only_changed or b.get(k) != v}


def _record(session: Session, entity: str, ident: str, change: str, before: dict | None, after: dict | None) -> None:
    session.add(m.InventoryChange(entity=entity, entity_id=ident, change=change, before=before, after=after))
