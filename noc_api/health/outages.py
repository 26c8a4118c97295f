"""Pure outage tracking: from an evaluation and the open outages, decide what opens, changes and closes.

One outage per root failure: a failed device that sits behind nothing failed (scope device), or a site whose agent
fell silent with no failed uplink to explain it (scope site). Everything behind a root is named in ``affected``;
the channels it took down in ``channels``. A recovery shorter than the hold-down continues the same outage.
An outage starts when its root's failure began: for a silent site, the last time its agent was heard (not the
end of the grace period, which only decides when the silence is believed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from noc_api.health.evaluate import Evaluation, refs
from noc_api.health.model import Cause, Outage, OutageEvent, OutageEventKind, Scope, State
from noc_api.health.topology import Topology


@dataclass(frozen=True)
class SiteHints:
    """What was seen at a site before trouble, for the cause guess."""

    on_battery: bool = False  # a UPS reported on battery or battery low
    link_fading: bool = False  # a radio's link down, signal weak or SNR low
    host_booted_ts: float | None = None  # the agent host's boot time, as last reported
    host_rebooted: bool = False  # the boot time changed (or sys_uptime dropped)


@dataclass(frozen=True)
class Tracked:
    """An open outage and, when its root has recovered inside the hold-down, since when."""

    outage: Outage
    recovered_at: datetime | None = None


@dataclass
class OutagePlan:
    opened: list[Outage] = field(default_factory=list)  # id 0: the store assigns one
    updated: list[tuple[Tracked, str]] = field(default_factory=list)  # new values, note
    closed: list[Outage] = field(default_factory=list)

    def events(self, now: datetime) -> list[OutageEvent]:
        """The plan as contract events (opened ones need their stored id first)."""
        out = [OutageEvent(OutageEventKind.OPENED, o, now) for o in self.opened]
        out += [OutageEvent(OutageEventKind.UPDATED, t.outage, now, note) for t, note in self.updated]
        out += [OutageEvent(OutageEventKind.CLOSED, o, now) for o in self.closed]
        return out


DEVICE_CAUSE = {
    "radio": Cause.LINK,
    "ups": Cause.POWER,
    "generator": Cause.POWER,
    "switch": Cause.SWITCH,
    "router": Cause.SWITCH,
    "firewall": Cause.SWITCH,
    "workstation": Cause.WORKSTATION,
}


def guess_cause(scope: Scope, kind: str | None, hints: SiteHints, started_ts: float) -> Cause:
    """The likeliest cause from what was seen before: power, link, host reboot, or the failed device's kind."""
    if scope == Scope.DEVICE:
        cause = DEVICE_CAUSE.get(kind or "", Cause.UNKNOWN)
        return Cause.POWER if hints.on_battery and cause != Cause.LINK else cause
    if hints.on_battery:
        return Cause.POWER
    if hints.link_fading:
        return Cause.LINK
    if hints.host_rebooted and hints.host_booted_ts is not None and hints.host_booted_ts >= started_ts - 60:
        return Cause.HOST
    return Cause.UNKNOWN


def _roots(topo: Topology, ev: Evaluation) -> dict[tuple[Scope, str], tuple[list[str], bool]]:
    """Each current root failure with what sits behind it (devices and sites) and whether it is under maintenance."""
    roots: dict[tuple[Scope, str], tuple[list[str], bool]] = {}
    for dev_id, v in ev.devices.items():
        if v.root_cause is None and not v.silent and State.DOWN in (v.state, v.masked):
            roots[(Scope.DEVICE, dev_id)] = ([], v.maintenance)
    for site_id, v in ev.sites.items():
        if v.silent and State.DOWN in (v.state, v.masked):
            roots[(Scope.SITE, site_id)] = (list(topo.site_devices.get(site_id, ())), v.maintenance)
    for dev_id, v in ev.devices.items():
        if v.root_cause and (Scope.DEVICE, v.root_cause) in roots:
            roots[(Scope.DEVICE, v.root_cause)][0].append(dev_id)
    for site_id, v in ev.sites.items():
        if v.root_cause and (Scope.DEVICE, v.root_cause) in roots:
            roots[(Scope.DEVICE, v.root_cause)][0].append(site_id)
    return roots


def _root_of(ref: str, topo: Topology, ev: Evaluation) -> tuple[Scope, str] | None:
    if ref in ev.devices:
        v = ev.devices[ref]
        if v.silent:
            return (Scope.SITE, topo.devices[ref].site_id)
        return (Scope.DEVICE, v.root_cause or ref)
    if ref in ev.sites:
        v = ev.sites[ref]
        return (Scope.DEVICE, v.root_cause) if v.root_cause else (Scope.SITE, ref)
    return None


def _channels_by_root(topo: Topology, ev: Evaluation) -> dict[tuple[Scope, str], list[str]]:
    out: dict[tuple[Scope, str], list[str]] = {}
    for ch_id, v in ev.channels.items():
        if v.state not in (State.DOWN, State.UNKNOWN) or (v.state == State.UNKNOWN and not v.maintenance):
            continue
        for ref in refs(topo.channels[ch_id].requires):
            rv = ev.devices.get(ref) or ev.sites.get(ref)
            if rv is None or rv.state in (State.UP, State.DEGRADED):
                continue
            key = _root_of(ref, topo, ev)
            if key and ch_id not in out.setdefault(key, []):
                out[key].append(ch_id)
    return out


def plan_outages(
    topo: Topology,
    ev: Evaluation,
    open_outages: list[Tracked],
    hints: dict[str, SiteHints],
    now: datetime,
    hold_down_seconds: float,
) -> OutagePlan:
    """What to open, update and close at ``now``."""
    plan = OutagePlan()
    roots = _roots(topo, ev)
    channels = _channels_by_root(topo, ev)
    by_key = {(t.outage.scope, t.outage.subject_id): t for t in open_outages}
    for key, (behind, maint) in roots.items():
        scope, subject = key
        site_id = topo.devices[subject].site_id if scope == Scope.DEVICE else subject
        site = topo.sites.get(site_id)
        affected = tuple(sorted(set(behind)))
        chans = tuple(sorted(channels.get(key, ())))
        prev = by_key.pop(key, None)
        root = ev.sites.get(subject) if scope == Scope.SITE else ev.devices.get(subject)
        started = prev.outage.started_at if prev else _began(root.since if root else None, now)
        kind = topo.devices[subject].kind if scope == Scope.DEVICE else None
        cause = guess_cause(scope, kind, hints.get(site_id, SiteHints()), started.timestamp())
        fresh = Outage(
            id=prev.outage.id if prev else 0,
            scope=scope,
            subject_id=subject,
            site_id=site_id,
            town_id=site.town_id if site else None,
            root_cause_device=subject if scope == Scope.DEVICE else None,
            cause=cause,
            started_at=started,
            ended_at=None,
            channels=chans,
            affected=affected,
            in_maintenance=maint,
        )
        if prev is None:
            plan.opened.append(fresh)
        elif prev.recovered_at is not None:
            plan.updated.append((Tracked(fresh, None), "failed again inside the hold-down: same outage (flapping)"))
        elif fresh != prev.outage:
            plan.updated.append((Tracked(fresh, None), _what_changed(prev.outage, fresh)))
    for prev in by_key.values():  # open outages whose root is gone
        # What the recovery tells (an agent back with a new boot time: the host rebooted) refines the cause.
        o = prev.outage
        cause = guess_cause(o.scope, None, hints.get(o.site_id or "", SiteHints()), o.started_at.timestamp())
        if o.scope == Scope.SITE and cause != o.cause and cause != Cause.UNKNOWN:
            o = replace(o, cause=cause)
        if prev.recovered_at is None:
            if hold_down_seconds <= 0:
                plan.closed.append(replace(o, ended_at=now))
            else:
                plan.updated.append((Tracked(o, now), "recovered; closing after the hold-down"))
        elif now - prev.recovered_at >= timedelta(seconds=hold_down_seconds):
            plan.closed.append(replace(o, ended_at=prev.recovered_at))
        elif o != prev.outage:
            plan.updated.append((Tracked(o, prev.recovered_at), _what_changed(prev.outage, o)))
    return plan


def _began(since: float | None, now: datetime) -> datetime:
    """When a root's failure began: ``since`` when known (never after ``now``), else ``now``."""
    return now if since is None else min(now, datetime.fromtimestamp(since, UTC))


def _what_changed(old: Outage, new: Outage) -> str:
    notes = []
    if old.cause != new.cause:
        notes.append(f"cause {old.cause} -> {new.cause}")
    if old.affected != new.affected:
        notes.append(f"{len(new.affected)} affected (was {len(old.affected)})")
    if old.channels != new.channels:
        notes.append(f"channels {', '.join(new.channels) or 'none'}")
    if old.in_maintenance != new.in_maintenance:
        notes.append("maintenance" if new.in_maintenance else "out of maintenance")
    return "; ".join(notes) or "changed"
