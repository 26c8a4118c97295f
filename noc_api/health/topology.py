"""The city as a plain graph for the health evaluator: devices, their dependencies, sites and channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import overload

from noc_api.inventory import Inventory
from noc_api.inventory.model import AnyOf, Requirement

# A dependency entry: one device id (needed) or a tuple of ids (redundant: failed only when all are).
Dep = str | tuple[str, ...]


@dataclass(frozen=True)
class DeviceNode:
    id: str
    site_id: str
    town_id: str
    kind: str
    depends_on: tuple[Dep, ...] = ()
    interval: float = 30.0  # seconds between collections: how old its own reading may be and still count


@dataclass(frozen=True)
class SiteNode:
    id: str
    town_id: str
    uplink: str | None = None
    agent_host: str | None = None
    kind: str = "town_office"


@dataclass(frozen=True)
class ChannelNode:
    id: str
    kind: str
    site_id: str | None
    requires: dict  # {"all"|"any": [...]} or {"at_least": n, "of": [...]}, nested


@dataclass
class Topology:
    devices: dict[str, DeviceNode]
    sites: dict[str, SiteNode]
    channels: dict[str, ChannelNode] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # devices, parents before children

    def __post_init__(self) -> None:
        if not self.order:
            self.order = topo_order(self)
        self.site_devices: dict[str, list[str]] = {s: [] for s in self.sites}
        for d in self.devices.values():
            self.site_devices.setdefault(d.site_id, []).append(d.id)
        # Devices that depend on a device alone (not as one of a redundant pair), parents first.
        self.dependents: dict[str, list[str]] = {}
        for dev_id in self.order:
            for dep in self.devices[dev_id].depends_on:
                if isinstance(dep, str) and dep in self.devices:
                    self.dependents.setdefault(dep, []).append(dev_id)

    def parents(self, device_id: str) -> list[str]:
        """Every device this one waits for: its dependencies and its site's uplink."""
        node = self.devices[device_id]
        out = [x for dep in node.depends_on for x in ((dep,) if isinstance(dep, str) else dep)]
        uplink = self.sites[node.site_id].uplink if node.site_id in self.sites else None
        if uplink and uplink in self.devices and self.devices[uplink].site_id != node.site_id:
            out.append(uplink)
        return [p for p in out if p in self.devices]


def topo_order(topo: Topology) -> list[str]:
    """Devices ordered so each comes after what it depends on (a cycle, refused by validation, is appended)."""
    done: set[str] = set()
    order: list[str] = []
    visiting: set[str] = set()

    def visit(d: str) -> None:
        if d in done or d in visiting:
            return
        visiting.add(d)
        for p in topo.parents(d):
            visit(p)
        visiting.discard(d)
        done.add(d)
        order.append(d)

    for d in topo.devices:
        visit(d)
    return order


@overload
def _requirement(req: Requirement) -> dict: ...
@overload
def _requirement(req: Requirement | str) -> dict | str: ...
def _requirement(req: Requirement | str) -> dict | str:
    if isinstance(req, str):
        return req
    out: dict = {}
    if req.all is not None:
        out["all"] = [_requirement(x) for x in req.all]
    if req.any is not None:
        out["any"] = [_requirement(x) for x in req.any]
    if req.of is not None:
        out["at_least"] = req.at_least or 1
        out["of"] = [_requirement(x) for x in req.of]
    return out


def topology_from_inventory(inv: Inventory) -> Topology:
    """The plain graph of an inventory."""
    sites = {
        s.id: SiteNode(id=s.id, town_id=s.town, uplink=s.uplink, agent_host=s.agent_host, kind=s.kind.value)
        for s in inv.sites
    }
    devices = {
        d.id: DeviceNode(
            id=d.id,
            site_id=s.id,
            town_id=s.town,
            kind=d.kind.value,
            depends_on=tuple(tuple(x.any) if isinstance(x, AnyOf) else x for x in d.depends_on),
            interval=d.collect.interval,
        )
        for s, d in inv.devices()
    }
    channels = {
        c.id: ChannelNode(id=c.id, kind=c.kind.value, site_id=c.site, requires=_requirement(c.requires))
        for c in inv.channels
    }
    return Topology(devices=devices, sites=sites, channels=channels)
