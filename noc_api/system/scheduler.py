"""Background jobs under APScheduler 3, run by one process only: the holder of a database leader lease.

Every process runs the scheduler; each tick of a job first checks this process still holds the lease (a row in
`leader_leases` with holder and expiry, renewed every third of its length, taken over once it has expired). Other
packages register their jobs with ``JobScheduler.add_job(name, func, seconds)`` before the app starts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, Engine, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from noc_api.db import noc_models as nm
from noc_api.system import faults
from noc_api.system.metrics import NocMetrics

log = logging.getLogger("ccis.scheduler")
LEASES = nm.LeaderLease.__table__
Job = Callable[[datetime], object]  # what a job returns (a summary, a count) is for its tests; ignored here


class LeaderLease:
    """A named lease in the database: held by one holder until it expires."""

    def __init__(self, engine: Engine, name: str, holder: str, seconds: float) -> None:
        self.engine, self.name, self.holder, self.seconds = engine, name, holder, seconds

    def acquire(self, now: float) -> bool:
        """Take or renew the lease; True when this holder has it until now + seconds."""
        expires = now + self.seconds
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(LEASES)
                .where(LEASES.c.name == self.name, or_(LEASES.c.holder == self.holder, LEASES.c.expires_ts < now))
                .values(holder=self.holder, expires_ts=expires)
            ).rowcount
            if taken == 1:
                return True
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            ins = dialect.insert(LEASES).on_conflict_do_nothing(index_elements=["name"])
            row = {"name": self.name, "holder": self.holder, "expires_ts": expires, "acquired_ts": now}
            # RETURNING, not rowcount: drivers disagree on rowcount for a skipped conflict.
            return conn.execute(ins.returning(LEASES.c.name), row).first() is not None

    def release(self) -> None:
        """Give the lease up at once (a clean shutdown), so another process takes over without waiting."""
        with self.engine.begin() as conn:
            conn.execute(
                update(LEASES).where(LEASES.c.name == self.name, LEASES.c.holder == self.holder).values(expires_ts=0)
            )


class JobScheduler:
    """APScheduler plus the leader lease: jobs run only while this process leads."""

    def __init__(
        self, engine: Engine, metrics: NocMetrics, lease_seconds: float = 15.0, name: str = "scheduler"
    ) -> None:
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = LeaderLease(engine, name, holder, lease_seconds)
        self.metrics = metrics
        self._scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._jobs: dict[str, tuple[Job, float]] = {}
        self._valid_until = 0.0
        self._lock = threading.Lock()
        self._starting = threading.Lock()  # start, shutdown and run_soon never interleave
        self.on_leadership: list[Callable[[bool], None]] = []  # told when leadership is won or lost
        self.started = False
        self.faults: dict[str, tuple[int, str]] = {}  # job -> (failed runs in a row, last error)

    @property
    def is_leader(self) -> bool:
        """True while this process holds an unexpired lease."""
        return time.time() < self._valid_until

    def add_job(self, name: str, func: Job, seconds: float) -> None:
        """Register ``func(now)`` to run every ``seconds`` on the leader (before or after start)."""
        self._jobs[name] = (func, seconds)
        if self.started:
            self._schedule(name, func, seconds)

    def run_soon(self, name: str) -> None:
        """Run job ``name`` now (e.g. when leadership is won), then on its interval as before.

        Jobs call this too (a sweep that changed a channel asks for the status board): it must never wait on a
        scheduler that is shutting down, since shutdown waits for that very job to end."""
        with self._starting:
            if self.started and name in self._jobs:
                self._scheduler.modify_job(name, next_run_time=datetime.now(UTC))

    def jobs(self) -> dict[str, float]:
        """Registered job names and intervals."""
        return {n: s for n, (_, s) in self._jobs.items()}

    def _schedule(self, name: str, func: Job, seconds: float) -> None:
        self._scheduler.add_job(
            self._run, "interval", seconds=seconds, args=[name, func], id=name, replace_existing=True
        )

    def renew(self) -> bool:
        """Take or renew the lease now; returns leadership."""
        was = self.is_leader
        started = time.time()
        try:
            ok = self.lease.acquire(started)
        except Exception:  # a database hiccup: keep what we had until it expires, say so
            log.exception("leader lease renewal failed")
            ok = False
        with self._lock:
            if ok:
                self._valid_until = started + self.lease.seconds * 0.9  # margin for clock and commit time
        self.metrics.leader.set(1 if self.is_leader else 0)
        if was != self.is_leader:
            log.info("scheduler leadership %s (%s)", "won" if self.is_leader else "lost", self.lease.holder)
            self.faults.clear()  # a new leader starts with a clean record
            if self.is_leader:
                self._store(lambda conn: faults.clear(conn))
            for cb in self.on_leadership:
                cb(self.is_leader)
        return self.is_leader

    def _run(self, name: str, func: Job) -> None:
        if not self.is_leader:
            return
        started = time.perf_counter()
        try:
            func(datetime.now(UTC))
        except Exception as exc:  # the job failed: count it and let the next tick try again
            log.exception("job %s failed", name)
            runs = self.faults.get(name, (0, ""))[0] + 1
            self.faults[name] = (runs, f"{type(exc).__name__}: {exc}"[:300])
            self.metrics.observe_job(name, False, time.perf_counter() - started, runs)
            self._store(lambda conn: faults.record(conn, name, runs, self.faults[name][1], time.time()))
            return
        if self.faults.pop(name, None) is not None:
            self._store(lambda conn: faults.clear(conn, name))
        self.metrics.observe_job(name, True, time.perf_counter() - started)

    def _store(self, write: Callable[[Connection], None]) -> None:
        """Keep the jobs' fault record in the database (/healthz of every process reads it); a database that is
        down is already what /healthz reports, so a failure here is only logged."""
        try:
            with self.lease.engine.begin() as conn:
                write(conn)
        except Exception:
            log.exception("could not record the jobs' faults")

    def start(self) -> None:
        """Start renewing the lease and running jobs."""
        self._scheduler.add_job(
            self.renew,
            "interval",
            seconds=max(self.lease.seconds / 3, 0.2),
            id="_lease",
            next_run_time=datetime.now(UTC),
        )
        for name, (func, seconds) in self._jobs.items():
            self._schedule(name, func, seconds)
        with self._starting:
            self._scheduler.start()
            self.started = True

    def shutdown(self, release: bool = True) -> None:
        """Stop; with ``release`` the lease is given up so another process takes over at once."""
        with self._starting:
            stop, self.started = self.started, False  # from here run_soon is a no-op
        if stop:
            self._scheduler.shutdown(wait=True)
        if release and self.is_leader:
            self.lease.release()
        self._valid_until = 0.0
        self.metrics.leader.set(0)
