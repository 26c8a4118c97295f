"""Wire the NOC's background work into a runtime: the health sweeper and the sweep, rollup and retention jobs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from noc_api.health.sweep import HealthSweeper
from noc_api.health.topology import topology_from_inventory
from noc_api.metrics_collector import NocStateCollector
from noc_api.scheduler import JobScheduler
from noc_api.services.health_queries import StateCache
from noc_api.services.rollups import retention, rollup

if TYPE_CHECKING:
    from noc_api.runtime import Runtime


def install_noc(runtime: Runtime) -> None:
    """Give the runtime its topology, health sweeper and scheduler with the NOC's jobs registered."""
    s = runtime.settings
    runtime.topology = topology_from_inventory(runtime.inventory)
    runtime.state_cache = StateCache()
    runtime.health = HealthSweeper(
        topology=runtime.topology,
        sessions=runtime.sessions,
        grace_seconds=s.grace_heartbeats * s.heartbeat_seconds,
        hold_down_seconds=s.hold_down_seconds,
        listeners=runtime.listeners,  # the same list: listeners added later are called too
    )
    sched = JobScheduler(runtime.engine, runtime.metrics, lease_seconds=s.leader_lease_seconds)
    sched.on_leadership.append(lambda leading: runtime.health.reset())
    sched.add_job("health_sweep", lambda now: runtime.health.sweep(now), s.health_interval_seconds)
    sched.add_job("rollup", lambda now: rollup(runtime.engine, now), s.rollup_interval_seconds)
    sched.add_job("retention", lambda now: _retention(runtime, now), s.retention_interval_seconds)
    runtime.scheduler = sched
    runtime.metrics.registry.register(NocStateCollector(runtime))


def _retention(runtime: Runtime, now: datetime) -> None:
    retention(runtime.engine, now, runtime.settings.raw_retention_days)
