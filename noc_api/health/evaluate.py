"""Pure health evaluation: observations and silence in, device/site/channel verdicts out (``now`` passed in).

A device's own verdict comes from its collector's last status. A fresh reading of its own (its site's agent is
heard and the reading is no older than two collection intervals plus the grace period) decides, whatever its
parents say. Only a device whose own poll failed, or whose reading is missing or stale, is judged by the
dependency graph: behind a failed parent (or a failed site uplink) it is UNREACHABLE with ``root_cause`` the
failed device. Evidence also flows the other way: a device whose own poll failed while something that depends on
it alone is freshly up (or a site behind it, its uplink, is heard) is not down but DEGRADED ("not answering;
town-orangi-sw behind it is up"): a UPS whose management card stops answering while the switch it powers
answers is not a power cut. Devices of a site whose agent is silent past the grace period are UNREACHABLE with no
root (the site itself is the outage), held since the agent was last heard. Anything whose failure sits under a
maintenance window is UNKNOWN ("maintenance: ...").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from noc_api.health.model import State
from noc_api.health.topology import Topology

FAILED = (State.DOWN, State.UNREACHABLE)
AVAILABLE = (State.UP, State.DEGRADED)


@dataclass(frozen=True)
class Observation:
    """A device's newest collector status (times are epoch seconds)."""

    status: str  # collectors.readings.DeviceStatus value
    error: str | None = None
    ts: float = 0.0


@dataclass(frozen=True)
class Verdict:
    state: State
    reason: str
    root_cause: str | None = None  # the failed device this one sits behind
    silent: bool = False  # no fresh news: the site's agent is silent
    maintenance: bool = False
    masked: State | None = None  # the real state a maintenance window hides
    since: float | None = None  # epoch seconds it holds since, when known to be earlier than now (silence)


@dataclass
class Inputs:
    """Everything the evaluator needs, as plain values."""

    observations: dict[str, Observation] = field(default_factory=dict)
    last_heard: dict[str, float] = field(default_factory=dict)  # site -> epoch seconds
    link_down: set[str] = field(default_factory=set)  # radios whose radio_link_up reading is 0
    maintenance: set[str] = field(default_factory=set)  # device, site and channel ids under maintenance now


@dataclass
class Evaluation:
    devices: dict[str, Verdict]
    sites: dict[str, Verdict]
    channels: dict[str, Verdict]


def _own(obs: Observation | None, link_down: bool) -> Verdict:
    """What the device's own collector says."""
    if link_down:
        return Verdict(State.DOWN, "radio link down")
    if obs is None:
        return Verdict(State.UNKNOWN, "never heard")
    if obs.status == "up":
        return Verdict(State.UP, "")
    if obs.status == "degraded":
        return Verdict(State.DEGRADED, obs.error or "degraded")
    if obs.status == "down":
        return Verdict(State.DOWN, obs.error or "reported down")
    if obs.status == "unreachable":  # the collector could not reach it: from the NOC it is down
        return Verdict(State.DOWN, obs.error or "not answering")
    return Verdict(State.UNKNOWN, obs.error or "not collected")


def _failed(v: Verdict) -> bool:
    return v.state in FAILED and not v.silent


def _root(device_id: str, v: Verdict) -> str:
    return v.root_cause or device_id


def evaluate(topo: Topology, inputs: Inputs, now: float, grace_seconds: float) -> Evaluation:
    """Device, site and channel verdicts at ``now``."""
    silent = {s: (inputs.last_heard.get(s) or 0.0) < now - grace_seconds for s in topo.sites}
    heard = {s: s in inputs.last_heard for s in topo.sites}
    own = {d: _own(inputs.observations.get(d), d in inputs.link_down) for d in topo.devices}
    fresh = {d for d in topo.devices if _fresh(topo, d, inputs.observations.get(d), own[d], silent, now, grace_seconds)}
    witness = _witnesses(topo, fresh, silent, heard)
    # Real states first (maintenance applied after: a radio in maintenance still cuts what is behind it).
    real: dict[str, Verdict] = {}
    for dev_id in topo.order:
        node = topo.devices[dev_id]
        mine = own[dev_id]
        if dev_id in fresh:
            real[dev_id] = mine  # its own fresh reading decides
            continue
        site_silent = silent.get(node.site_id, True)
        behind = _first_failed_dependency(topo, dev_id, real)
        if mine.state == State.DOWN and dev_id in witness and not site_silent:
            real[dev_id] = Verdict(State.DEGRADED, f"{mine.reason}; {witness[dev_id]} behind it is up")
        elif behind is not None:
            root = _root(behind, real[behind])
            real[dev_id] = Verdict(State.UNREACHABLE, f"unreachable behind {root}", root_cause=root)
        elif site_silent:
            why = "site agent silent" if heard.get(node.site_id) else "site agent never reported"
            state = State.UNREACHABLE if heard.get(node.site_id) else State.UNKNOWN
            real[dev_id] = Verdict(state, why, silent=True, since=inputs.last_heard.get(node.site_id))
        else:
            real[dev_id] = mine
    devices = {d: _maintained(topo, d, v, inputs.maintenance) for d, v in real.items()}
    sites = {
        s: _site(topo, s, devices, real, silent[s], heard[s], inputs.maintenance, inputs.last_heard.get(s))
        for s in topo.sites
    }
    channels = {c: _channel(topo, c, devices, sites, inputs.maintenance) for c in topo.channels}
    return Evaluation(devices, sites, channels)


def _fresh(
    topo: Topology,
    dev_id: str,
    obs: Observation | None,
    own: Verdict,
    silent: dict[str, bool],
    now: float,
    grace_seconds: float,
) -> bool:
    """The device's own reading says it works, and it is current: its agent is heard and it polled on time."""
    node = topo.devices[dev_id]
    if obs is None or own.state not in AVAILABLE or silent.get(node.site_id, True):
        return False
    return now - obs.ts <= 2 * node.interval + grace_seconds


def _witnesses(topo: Topology, fresh: set[str], silent: dict[str, bool], heard: dict[str, bool]) -> dict[str, str]:
    """Device -> what shows it still works: the first device depending on it alone that is freshly up (or shown
    working itself), or a heard site it is the uplink of. Redundant pairs prove nothing about one member."""
    sites: dict[str, str] = {}
    for site_id, site in topo.sites.items():
        if site.uplink and site.uplink in topo.devices and heard.get(site_id) and not silent.get(site_id, True):
            sites.setdefault(site.uplink, f"site {site_id}")
    out: dict[str, str] = {}
    for dev_id in reversed(topo.order):  # children before parents: evidence climbs the graph
        shown = [c for c in topo.dependents.get(dev_id, ()) if c in fresh or c in out]
        if shown:
            out[dev_id] = shown[0]
        elif dev_id in sites:
            out[dev_id] = sites[dev_id]
    return out


def _first_failed_dependency(topo: Topology, dev_id: str, real: dict[str, Verdict]) -> str | None:
    """The parent (or a member of a redundant group, all failed) that cuts this device off, if any."""
    node = topo.devices[dev_id]
    for dep in node.depends_on:
        members = [m for m in ((dep,) if isinstance(dep, str) else dep) if m in real]
        if members and all(_failed(real[m]) for m in members):
            return members[0]
    site = topo.sites.get(node.site_id)
    if site and site.uplink and site.uplink in real and site.uplink != dev_id and _failed(real[site.uplink]):
        return site.uplink
    return None


def _maintained(topo: Topology, dev_id: str, v: Verdict, maintenance: set[str]) -> Verdict:
    """Under maintenance (itself, its site, or the root it sits behind) a failure is shown as UNKNOWN."""
    node = topo.devices[dev_id]
    root = v.root_cause
    in_maint = dev_id in maintenance or node.site_id in maintenance
    if root is not None and root in topo.devices:
        in_maint = in_maint or root in maintenance or topo.devices[root].site_id in maintenance
    if in_maint and v.state not in AVAILABLE:
        return replace(v, state=State.UNKNOWN, reason=f"maintenance: {v.reason}", maintenance=True, masked=v.state)
    return v


def _site(
    topo: Topology,
    site_id: str,
    devices: dict[str, Verdict],
    real: dict[str, Verdict],
    silent: bool,
    heard: bool,
    maintenance: set[str],
    last_heard: float | None = None,
) -> Verdict:
    site = topo.sites[site_id]
    verdict: Verdict
    uplink = real.get(site.uplink) if site.uplink else None
    if site.uplink and uplink is not None and _failed(uplink):
        root = _root(site.uplink, uplink)
        verdict = Verdict(State.DOWN, f"uplink {site.uplink} down" if root == site.uplink else f"behind {root}", root)
        if devices[site.uplink].maintenance or root in maintenance:
            verdict = Verdict(
                State.UNKNOWN, f"maintenance: {verdict.reason}", root, maintenance=True, masked=State.DOWN
            )
    elif silent and heard:
        verdict = Verdict(State.DOWN, "agent silent past the grace period", silent=True, since=last_heard)
    elif not heard:
        verdict = Verdict(State.UNKNOWN, "agent never reported", silent=True)
    else:
        mine = [devices[d] for d in topo.site_devices.get(site_id, ())]
        bad = [v for v in mine if v.state in FAILED]
        if bad:
            verdict = Verdict(State.DEGRADED, f"{len(bad)} of {len(mine)} devices down or unreachable")
        elif any(v.state == State.DEGRADED for v in mine):
            verdict = Verdict(State.DEGRADED, "; ".join(sorted({v.reason for v in mine if v.state == State.DEGRADED})))
        else:
            verdict = Verdict(State.UP, "")
    if site_id in maintenance and verdict.state not in AVAILABLE:
        verdict = replace(
            verdict,
            state=State.UNKNOWN,
            reason=f"maintenance: {verdict.reason}",
            maintenance=True,
            masked=verdict.state,
        )
    return verdict


def _available(ref: str, devices: dict[str, Verdict], sites: dict[str, Verdict]) -> bool:
    v = devices.get(ref) or sites.get(ref)
    return v is not None and v.state in AVAILABLE


def satisfied(req: dict | str, ok) -> bool:  # noqa: ANN001  (ok: str -> bool)
    """Whether a channel requirement holds, given which ids are available."""
    if isinstance(req, str):
        return ok(req)
    if "all" in req and not all(satisfied(x, ok) for x in req["all"]):
        return False
    if "any" in req and not any(satisfied(x, ok) for x in req["any"]):
        return False
    return not ("of" in req and sum(1 for x in req["of"] if satisfied(x, ok)) < req.get("at_least", 1))


def refs(req: dict | str) -> list[str]:
    """Every id a requirement names."""
    if isinstance(req, str):
        return [req]
    return [r for k in ("all", "any", "of") for x in req.get(k, ()) for r in refs(x)]


def _channel(
    topo: Topology, ch_id: str, devices: dict[str, Verdict], sites: dict[str, Verdict], maintenance: set[str]
) -> Verdict:
    ch = topo.channels[ch_id]
    missing = [r for r in refs(ch.requires) if not _available(r, devices, sites)]
    if satisfied(ch.requires, lambda r: _available(r, devices, sites)):
        if missing:
            return Verdict(State.DEGRADED, f"without {', '.join(missing[:5])}")
        return Verdict(State.UP, "")
    in_maint = ch_id in maintenance or (ch.site_id in maintenance if ch.site_id else False)
    verdicts = [devices.get(r) or sites.get(r) for r in missing]
    in_maint = in_maint or bool(verdicts) and all(v is not None and v.maintenance for v in verdicts)
    reason = f"needs {', '.join(missing[:5])}"
    if in_maint:
        return Verdict(State.UNKNOWN, f"maintenance: {reason}", maintenance=True)
    # Not proven down: what it lacks has never been heard from (or is unknown), nothing it needs has failed.
    if satisfied(ch.requires, lambda r: _available(r, devices, sites) or _unknown(r, devices, sites)):
        return Verdict(State.UNKNOWN, f"not heard from: {', '.join(missing[:5])}")
    # Down since the latest of what it lacks went, when every one of those is known to be older than now.
    held = [v.since for v in verdicts if v is not None]
    since = max(held) if held and None not in held else None  # type: ignore[type-var]
    return Verdict(State.DOWN, reason, since=since)


def _unknown(ref: str, devices: dict[str, Verdict], sites: dict[str, Verdict]) -> bool:
    v = devices.get(ref) or sites.get(ref)
    return v is None or v.state == State.UNKNOWN
