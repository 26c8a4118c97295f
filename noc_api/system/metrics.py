"""The app's own Prometheus registry (never the global REGISTRY) and the in-process ingest/job meters."""

from __future__ import annotations

import gc
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, GCCollector, Histogram, ProcessCollector

from agents.wire import IngestResponse


class NocMetrics:
    """Meters the server updates as it works; the state collector is added to the same registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # This process's memory, CPU and open files (process_resident_memory_bytes …): what a 24/7 server is
        # watched by; with --workers N each process answers for itself.
        ProcessCollector(registry=r)
        # The garbage collector's passes per generation (python_gc_collections_total …), and how much of the heap
        # start-up froze out of them (noc_api.system.memory.settle_heap): a full pass walks everything else.
        GCCollector(registry=r)
        Gauge(
            "ccis_gc_frozen_objects", "Objects start-up moved out of the garbage collector's passes", registry=r
        ).set_function(gc.get_freeze_count)
        self.reports = Counter(
            "ccis_ingest_reports", "Reports received by the ingest API, by result", ["result"], registry=r
        )
        self.readings = Counter("ccis_ingest_readings", "Readings stored by the ingest API", registry=r)
        self.latency = Histogram(
            "ccis_ingest_request_duration_seconds",
            "Time to answer one ingest request",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=r,
        )
        self.job_runs = Counter(
            "ccis_scheduler_job_runs", "Background job runs, by job and outcome", ["job", "outcome"], registry=r
        )
        self.job_last_success = Gauge(
            "ccis_scheduler_job_last_success_timestamp_seconds", "When each job last succeeded", ["job"], registry=r
        )
        self.job_duration = Gauge(
            "ccis_scheduler_job_duration_seconds", "How long each job's last run took", ["job"], registry=r
        )
        self.job_failing = Gauge(
            "ccis_scheduler_job_consecutive_failures",
            "Failed runs in a row of each job (0 once it succeeds)",
            ["job"],
            registry=r,
        )
        self.listener_failures = Counter(
            "ccis_health_listener_failures",
            "Health listener runs that failed and were rolled back alone (health was still recorded)",
            ["listener"],
            registry=r,
        )
        self.sweeps_skipped = Counter(
            "ccis_health_sweeps_skipped",
            "Health sweeps left out because the last one took too long for the interval (CCIS_HEALTH_MAX_SHARE)",
            registry=r,
        )
        self.leader = Gauge("ccis_scheduler_leader", "1 when this process holds the scheduler lease", registry=r)

    def observe_ingest(self, answer: IngestResponse, seconds: float, readings: int) -> None:
        """Count one answered ingest request."""
        counts: dict[str, int] = {}
        for res in answer.results:
            counts[res.status.value] = counts.get(res.status.value, 0) + 1
        for status, n in counts.items():
            self.reports.labels(status).inc(n)
        self.readings.inc(readings)
        self.latency.observe(seconds)

    def observe_job(self, job: str, ok: bool, seconds: float, failing: int = 0) -> None:
        """Record one job run (``failing``: failed runs in a row, this one included)."""
        self.job_runs.labels(job, "success" if ok else "failure").inc()
        self.job_duration.labels(job).set(seconds)
        self.job_failing.labels(job).set(0 if ok else failing)
        if ok:
            self.job_last_success.labels(job).set(time.time())
