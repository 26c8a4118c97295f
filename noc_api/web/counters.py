"""Which walk-in counter a clerk works at: the walk-in channel at the clerk's site, or (a clerk given only a
town) at their town's office."""

from __future__ import annotations

from dataclasses import dataclass

from complaint_core.roles import Actor
from noc_api.inventory import Inventory


@dataclass(frozen=True)
class Counter:
    id: str  # the walk-in channel id, as complaints record it in channel_data.counter
    name: str
    site_id: str


def counter_for(inventory: Inventory, actor: Actor) -> Counter | None:
    """The walk-in counter at the clerk's site, else at their town's office (None when there is none)."""
    sites = {s.id: s for s in inventory.sites}
    walk_ins = [(ch, sites[ch.site]) for ch in inventory.channels if ch.kind == "walk_in" and ch.site in sites]
    for ch, site in walk_ins:
        if actor.site_id and site.id == actor.site_id:
            return Counter(ch.id, ch.name, site.id)
    for ch, site in walk_ins:
        if not actor.site_id and site.town == actor.town_id and site.kind == "town_office":
            return Counter(ch.id, ch.name, site.id)
    return None
