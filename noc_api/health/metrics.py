"""A Prometheus collector reading the NOC's current state at scrape time (registered on the app's registry)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.health.topology import Topology

STATES = ("up", "degraded", "down", "unreachable", "unknown")
# Key readings exported per device: catalogue metric -> (exported name, help).
READINGS = {
    "ups_battery_charge_ratio": ("ccis_ups_battery_charge_ratio", "UPS battery charge (0..1)"),
    "ups_on_battery": ("ccis_ups_on_battery", "1 when the UPS load runs on battery"),
    "ups_battery_minutes_remaining": ("ccis_ups_battery_remaining_seconds", "UPS runtime left"),
    "radio_signal_dbm": ("ccis_radio_signal_dbm", "Radio received signal in dBm"),
    "radio_snr_db": ("ccis_radio_snr_db", "Radio signal-to-noise ratio in dB"),
    "radio_link_up": ("ccis_radio_link_up", "1 when the radio link is associated"),
    "if_in_bits_per_second": ("ccis_interface_receive_bytes_per_second", "Interface inbound rate"),
    "if_out_bits_per_second": ("ccis_interface_transmit_bytes_per_second", "Interface outbound rate"),
}
# Prometheus wants base units: minutes become seconds, bits become bytes.
SCALE = {"ups_battery_minutes_remaining": 60.0, "if_in_bits_per_second": 0.125, "if_out_bits_per_second": 0.125}


def _labels(key: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in key.split(",") if "=" in p) if key else {}


class NocStateCollector:
    """Device, site and channel states, key readings, open outages and agents' health, read per scrape."""

    def __init__(self, sessions: Callable[[], Session], topology: Topology) -> None:
        self.sessions, self.topology = sessions, topology

    def describe(self) -> Iterable[Metric]:
        """Nothing to describe ahead of a scrape (the families depend on the inventory)."""
        return []

    def collect(self) -> Iterable[Metric]:
        """Build the families from the database."""
        topo = self.topology
        si = nm.StateInterval.__table__
        with self.sessions() as s:
            current = {
                (r.scope, r.subject_id): r.state
                for r in s.execute(select(si.c.scope, si.c.subject_id, si.c.state).where(si.c.ended_at.is_(None)))
            }
            lt = nm.Series.__table__
            readings = s.execute(
                select(lt.c.device_id, lt.c.site_id, lt.c.metric, lt.c.labels, lt.c.value).where(
                    lt.c.metric.in_(list(READINGS))
                )
            ).all()
            agents = s.execute(select(nm.AgentStatus)).scalars().all()
            out = nm.OutageRow.__table__
            open_outages = s.execute(
                select(out.c.scope, out.c.cause, func.count())
                .where(out.c.ended_at.is_(None))
                .group_by(out.c.scope, out.c.cause)
            ).all()
        dev = GaugeMetricFamily(
            "ccis_device_state", "1 for the device's current health state", labels=["device", "site", "kind", "state"]
        )
        dev_up = GaugeMetricFamily(
            "ccis_device_up", "1 when the device is up or degraded", labels=["device", "site", "kind"]
        )
        for d, node in topo.devices.items():
            st = current.get(("device", d), "unknown")
            for x in STATES:
                dev.add_metric([d, node.site_id, node.kind, x], 1.0 if st == x else 0.0)
            dev_up.add_metric([d, node.site_id, node.kind], 1.0 if st in ("up", "degraded") else 0.0)
        site = GaugeMetricFamily(
            "ccis_site_state", "1 for the site's current health state", labels=["site", "town", "state"]
        )
        for sid, site_node in topo.sites.items():
            st = current.get(("site", sid), "unknown")
            for x in STATES:
                site.add_metric([sid, site_node.town_id, x], 1.0 if st == x else 0.0)
        chan = GaugeMetricFamily(
            "ccis_channel_up", "1 when the complaint channel is available", labels=["channel", "kind"]
        )
        for cid, channel in topo.channels.items():
            chan.add_metric([cid, channel.kind], 1.0 if current.get(("channel", cid)) in ("up", "degraded") else 0.0)
        yield from (dev, dev_up, site, chan)
        outages = GaugeMetricFamily("ccis_outages_open", "Open outages by scope and cause", labels=["scope", "cause"])
        for scope, cause, n in open_outages:
            outages.add_metric([scope, cause], float(n))
        yield outages
        yield from self._readings(readings)
        yield from self._agents(agents)

    def _readings(self, rows: Sequence[Row[Any, Any, Any, Any, Any]]) -> Iterable[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        for device, site, metric, key, value in rows:
            name, help_ = READINGS[metric]
            extra = _labels(key)
            iface = extra.get("interface", "")
            labelnames = ["device", "site", "interface"] if metric.startswith("if_") else ["device", "site"]
            fam = families.get(metric)
            if fam is None:
                fam = families[metric] = GaugeMetricFamily(name, help_, labels=labelnames)
            value = value * SCALE.get(metric, 1.0)
            fam.add_metric([device, site, iface] if metric.startswith("if_") else [device, site], value)
        yield from families.values()

    def _agents(self, agents: Sequence[nm.AgentStatus]) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "ccis_agent_outbox_depth", "Reports waiting in the site agent's outbox", labels=["site"]
        )
        heard = GaugeMetricFamily(
            "ccis_agent_last_heard_timestamp_seconds", "When the site's agent last reported", labels=["site"]
        )
        skew = GaugeMetricFamily("ccis_agent_clock_skew_seconds", "NOC time minus the agent's clock", labels=["site"])
        for a in agents:
            depth.add_metric([a.site_id], float(a.outbox_depth))
            heard.add_metric([a.site_id], a.last_heard_ts)
            skew.add_metric([a.site_id], a.clock_skew_seconds)
        yield from (depth, heard, skew)
