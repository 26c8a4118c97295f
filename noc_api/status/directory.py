"""The public office directory, from the inventory: towns and their wards, the town offices, the walk-in
counters with their hours, and departments with their heads' public contacts. No device, address of the network
or staff account is in it."""

from __future__ import annotations

from noc_api.inventory import Inventory


def build_directory(inv: Inventory) -> dict:
    """Plain values for the page and /api/v1/directory."""
    counters: dict[str, list[dict]] = {}
    for c in inv.channels:
        if c.kind.value == "walk_in" and c.site:
            counters.setdefault(c.site, []).append({"channel_id": c.id, "name": c.name})
    offices: dict[str, list[dict]] = {}
    city_wide = []
    for s in inv.sites:
        if s.kind.value not in ("town_office", "agency_office") and s.id not in counters:  # public offices only
            continue
        entry = {
            "id": s.id,
            "name": s.name,
            "kind": s.kind.value,
            "address": s.address,
            "phone": s.phone,
            "counters": [c["name"] for c in counters.get(s.id, [])],
            "hours": s.hours or (inv.city.counter_hours if s.id in counters else None),
        }
        if s.kind.value == "town_office":
            offices.setdefault(s.town, []).append(entry)
        else:
            city_wide.append(entry)
    towns = [
        {"id": t.id, "name": t.name, "zone": t.zone, "wards": list(t.wards), "offices": offices.get(t.id, [])}
        for t in inv.towns
    ]
    departments = [
        {"id": d.id, "name": d.name, "city_wide": d.city_wide, "head": d.head, "phone": d.phone, "email": d.email}
        for d in inv.departments
        if d.id != "it"  # the NOC's own department takes no citizen's complaint
    ]
    return {
        "city": inv.city.name,
        "counter_hours": inv.city.counter_hours,
        "towns": towns,
        "city_offices": city_wide,
        "departments": departments,
    }
