"""The agent's own /metrics (opt-in): read from the agent when scraped, in its own CollectorRegistry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

if TYPE_CHECKING:
    from agents.agent import Agent


class AgentCollector:
    """Builds the agent's metric families at scrape time (client_python's custom-collector pattern)."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def collect(self) -> Iterator[Metric]:
        """Collect metrics."""
        a = self.agent
        yield GaugeMetricFamily("ccis_agent_outbox_depth", "reports waiting in the outbox", value=a.outbox.depth)
        yield GaugeMetricFamily("ccis_agent_outbox_bytes", "bytes of reports waiting", value=a.outbox.bytes)
        yield CounterMetricFamily(
            "ccis_agent_outbox_dropped", "reports dropped by the disk budget", value=a.outbox.dropped_total()
        )
        yield CounterMetricFamily(
            "ccis_agent_rejected", "reports the NOC rejected (kept aside)", value=a.outbox.rejected_total()
        )
        last = a.sender.last_ok_at
        age = (datetime.now(UTC) - last).total_seconds() if last else time.time() - a.started_at.timestamp()
        yield GaugeMetricFamily("ccis_agent_last_send_age_seconds", "time since the last acknowledged send", value=age)
        yield GaugeMetricFamily(
            "ccis_agent_send_retry_seconds", "pause planned before the next send attempt (0: not failing)",
            value=a.sender.retry_in,
        )  # fmt: skip
        yield CounterMetricFamily("ccis_agent_send_attempts", "ingest requests tried", value=a.sender.attempts)
        yield CounterMetricFamily(
            "ccis_agent_poisoned_reports",
            "reports moved aside because the NOC kept failing (5xx) on them",
            value=a.sender.poisoned,
        )
        errors = CounterMetricFamily("ccis_agent_collector_errors", "collection errors", labels=["collector"])
        for name, n in sorted((a.collectors.errors if a.collectors else {}).items()):
            errors.add_metric([name], n)
        yield errors
        cycle = GaugeMetricFamily("ccis_agent_cycle_seconds", "last collection time per device", labels=["device"])
        for dev, sec in sorted(a.cycle_seconds.items()):
            cycle.add_metric([dev], sec)
        yield cycle


def serve_metrics(agent: Agent, port: int) -> CollectorRegistry:
    """Serve the agent's metrics on 127.0.0.1:``port`` only (never on other interfaces)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AgentCollector(agent))
    start_http_server(port, addr="127.0.0.1", registry=registry)
    return registry
