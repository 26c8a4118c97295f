"""Read what the evaluator needs from the database: observations, agents, key readings, maintenance; and the
latest readings the listeners' rules ask for (alert rules on UPS, radio, port, disk... readings)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.health.evaluate import Inputs, Observation
from noc_api.health.model import Sample
from noc_api.health.outages import SiteHints
from noc_api.health.topology import Topology

HINT_METRICS = (
    "radio_link_up",
    "radio_snr_db",
    "radio_signal_dbm",
    "ups_on_battery",
    "ups_output_source",
    "ups_battery_low",
    "sys_uptime_seconds",
)
WEAK_SNR_DB = 15.0
WEAK_SIGNAL_DBM = -80.0
# What each site's agent says about itself in its heartbeats, as samples whose subject is the site.
AGENT_METRICS = ("agent_outbox_depth", "agent_outbox_dropped_total", "agent_last_send_age_seconds")


def active_maintenance(session: Session, now: datetime) -> set[str]:
    """Ids (device, site, channel) under a maintenance window at ``now``."""
    w = nm.MaintenanceWindow
    return set(session.scalars(select(w.subject_id).where(w.starts_at <= now, w.ends_at > now)))


def load_inputs(
    session: Session, topo: Topology, now: datetime, sample_metrics: frozenset[str] = frozenset()
) -> tuple[Inputs, dict[str, SiteHints], list[Sample]]:
    """The evaluator's inputs, each site's cause hints, and the latest samples of ``sample_metrics``."""
    o = nm.DeviceObservation
    obs = {
        r.device_id: Observation(r.status, r.error, r.ts)
        for r in session.execute(select(o.device_id, o.status, o.error, o.ts))
    }
    a = nm.AgentStatus
    agents = {
        r.site_id: r
        for r in session.execute(
            select(a.site_id, a.last_heard_ts, a.host_booted_ts, a.prev_host_booted_ts, a.outbox_depth, a.dropped_total)
        )
    }
    lt = nm.Series
    latest: dict[str, dict[str, tuple[float, float]]] = {}
    samples: list[Sample] = []
    wanted = set(sample_metrics) - set(AGENT_METRICS)
    for r in session.execute(
        select(lt.device_id, lt.metric, lt.labels, lt.value, lt.text, lt.ts).where(
            lt.metric.in_(sorted(wanted | set(HINT_METRICS)))
        )
    ):
        if r.metric in HINT_METRICS and r.labels == "":
            latest.setdefault(r.device_id, {})[r.metric] = (r.value, r.ts)
        if r.metric in wanted and r.device_id in topo.devices:
            at = datetime.fromtimestamp(r.ts, UTC)
            samples.append(Sample(r.device_id, r.metric, r.value, at, _labels(r.labels), r.text))
    if sample_metrics & set(AGENT_METRICS):
        samples += agent_samples(topo, agents, now, sample_metrics)
    inputs = Inputs(
        observations=obs,
        last_heard={s: r.last_heard_ts for s, r in agents.items()},
        link_down={d for d, m in latest.items() if m.get("radio_link_up", (1, 0))[0] == 0},
        maintenance=active_maintenance(session, now),
    )
    return inputs, site_hints(topo, latest, agents, obs), samples


def _labels(key: str) -> tuple[tuple[str, str], ...]:
    """A stored label key ('interface=Gi0/1,vlan=10') as sorted pairs."""
    return tuple(sorted((k, v) for k, _, v in (p.partition("=") for p in key.split(",") if "=" in p))) if key else ()


def agent_samples(topo: Topology, agents: dict, now: datetime, metrics: frozenset[str]) -> list[Sample]:
    """Each heard site's agent health from its last heartbeat, dated when it was heard (subject: the site)."""
    out: list[Sample] = []
    for site_id, r in agents.items():
        if site_id not in topo.sites:
            continue
        at = datetime.fromtimestamp(r.last_heard_ts, UTC)
        values = {
            "agent_outbox_depth": float(r.outbox_depth or 0),
            "agent_outbox_dropped_total": float(r.dropped_total or 0),
            "agent_last_send_age_seconds": max(0.0, now.timestamp() - r.last_heard_ts),
        }
        out += [Sample(site_id, m, v, at) for m, v in values.items() if m in metrics]
    return out


def site_hints(topo: Topology, latest: dict, agents: dict, obs: dict[str, Observation]) -> dict[str, SiteHints]:
    """What each site showed before trouble: UPS on battery, a fading radio, a rebooted agent host."""
    hints: dict[str, SiteHints] = {}
    for site_id, site in topo.sites.items():
        on_battery = link_fading = False
        for dev_id in topo.site_devices.get(site_id, ()):
            m = latest.get(dev_id, {})
            if m.get("ups_on_battery", (0, 0))[0] == 1 or m.get("ups_output_source", (3, 0))[0] == 5:
                on_battery = True
            if m.get("ups_battery_low", (0, 0))[0] == 1:
                on_battery = True
            if topo.devices[dev_id].kind == "radio" and _fading(m, obs.get(dev_id)):
                link_fading = True
        if site.uplink and _fading(latest.get(site.uplink, {}), obs.get(site.uplink)):
            link_fading = True
        agent = agents.get(site_id)
        booted = agent.host_booted_ts if agent else None
        rebooted = bool(agent and agent.prev_host_booted_ts is not None)
        host = latest.get(site.agent_host or "", {}).get("sys_uptime_seconds")
        if host is not None and (booted is None or host[1] - host[0] > booted + 5):
            # sysUpTime gives the boot time too: a boot after the last known one is a reboot.
            rebooted = rebooted or booted is not None
            booted = host[1] - host[0]
        hints[site_id] = SiteHints(on_battery, link_fading, booted, rebooted)
    return hints


def _fading(m: dict[str, tuple[float, float]], ob: Observation | None) -> bool:
    if m.get("radio_link_up", (1, 0))[0] == 0:
        return True
    if m.get("radio_snr_db", (99, 0))[0] < WEAK_SNR_DB or m.get("radio_signal_dbm", (0, 0))[0] < WEAK_SIGNAL_DBM:
        return True
    return ob is not None and ob.status in ("degraded", "down")
