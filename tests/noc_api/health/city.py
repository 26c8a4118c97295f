"""A small hand-built city for the pure health tests: a data centre and towns behind radio links."""

from __future__ import annotations

from noc_api.health.topology import ChannelNode, DeviceNode, SiteNode, Topology


def city(towns: int = 3, pcs: int = 7, redundant: str | None = None) -> Topology:
    """DC (gen, ups, core switch, access point, one dc-end radio per town) and ``towns`` town offices."""
    dev = [
        DeviceNode("dc-ups", "dc", "t0", "ups"),
        DeviceNode("dc-core", "dc", "t0", "switch", ("dc-ups",)),
        DeviceNode("dc-ap", "dc", "t0", "radio", ("dc-core",)),
    ]
    sites = [SiteNode("dc", "t0", kind="data_centre")]
    channels = []
    for i in range(1, towns + 1):
        t = f"town{i}"
        dev.append(DeviceNode(f"radio-{t}-dc", "dc", "t0", "radio", ("dc-core",)))
        uplink_dep = (f"radio-{t}-dc", "dc-ap") if redundant == t else f"radio-{t}-dc"
        dev += [
            DeviceNode(f"radio-{t}", t, t, "radio", (uplink_dep,)),
            DeviceNode(f"{t}-ups", t, t, "ups"),
            DeviceNode(f"{t}-sw", t, t, "switch", (f"radio-{t}", f"{t}-ups")),
        ]
        dev += [DeviceNode(f"{t}-pc-{n}", t, t, "workstation", (f"{t}-sw", f"{t}-ups")) for n in range(1, pcs + 1)]
        uplink = None if redundant == t else f"radio-{t}-dc"
        sites.append(SiteNode(t, t, uplink=uplink))
        channels.append(
            ChannelNode(
                f"walk-in-{t}", "walk_in", t, {"all": [f"{t}-sw", {"at_least": 1, "of": [f"{t}-pc-1", f"{t}-pc-2"]}]}
            )
        )
    channels.append(ChannelNode("web", "web", "dc", {"all": ["dc-core"]}))
    return Topology({d.id: d for d in dev}, {s.id: s for s in sites}, {c.id: c for c in channels})
