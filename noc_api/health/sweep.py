"""One health sweep: read inputs, evaluate, persist intervals and outages, call the listeners, commit.

Each listener runs inside its own SAVEPOINT: one that fails is rolled back alone and counted, while the health
itself (intervals, outages) and the other listeners' work are still committed. A listener failing sweep after
sweep is recorded, in the same transaction, among the job faults (system.faults) that /healthz reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from noc_api.health.evaluate import Evaluation, evaluate
from noc_api.health.inputs import load_inputs
from noc_api.health.model import (
    ChannelHealth,
    DeviceHealth,
    HealthListener,
    HealthSnapshot,
    OutageEvent,
    SiteHealth,
)
from noc_api.health.outages import plan_outages
from noc_api.health.store import Current, load_current, load_open_outages, save_intervals, save_outages
from noc_api.health.topology import Topology
from noc_api.system import faults

log = logging.getLogger("ccis.health")


@dataclass
class SweepResult:
    snapshot: HealthSnapshot
    events: list[OutageEvent]
    evaluation: Evaluation


@dataclass
class Fault:
    """A listener's run of consecutive failures: how many, and the last error."""

    count: int
    error: str


def listener_name(listener: HealthListener) -> str:
    """The name a listener is counted under (its ``name`` attribute, else its class name)."""
    return str(getattr(listener, "name", None) or type(listener).__name__)


@dataclass
class HealthSweeper:
    """Runs sweeps; keeps the open intervals in memory between sweeps (only the leader writes them)."""

    topology: Topology
    sessions: sessionmaker[Session]
    grace_seconds: float
    hold_down_seconds: float
    listeners: list[HealthListener] = field(default_factory=list)
    on_listener_error: Callable[[str], None] | None = None  # told the listener's name at each failure (metrics)
    faults: dict[str, Fault] = field(default_factory=dict)  # listeners failing now, by name
    # At most this share of the time goes to sweeping: after a sweep that took t seconds the next waits until
    # t * (1 / max_share - 1) have passed, so a city too big for the interval is swept less often, not the server
    # starved (Prometheus skips rule evaluations the same way). 1.0: every interval, whatever it costs.
    max_share: float = 1.0
    on_skip: Callable[[], None] | None = None  # told of each sweep left out (metrics)
    _current: dict[tuple[str, str], Current] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cost: float = 0.0  # seconds the last sweep took
    _ended: float = 0.0  # time.monotonic() when it ended

    def paced(self, now: datetime) -> SweepResult | None:
        """``sweep``, unless the last one was so recent that sweeping again would exceed ``max_share``."""
        started = time.monotonic()
        if self._cost and started - self._ended < self._cost * (1 / self.max_share - 1):
            if self.on_skip is not None:
                self.on_skip()
            return None
        try:
            return self.sweep(now)
        finally:
            self._ended = time.monotonic()
            self._cost = self._ended - started

    def reset(self) -> None:
        """Forget the cached intervals and listener faults (after losing and regaining leadership)."""
        self._current = None
        self.faults.clear()

    def sweep(self, now: datetime) -> SweepResult:
        """Evaluate at ``now`` and commit everything in one transaction, listeners included."""
        with self._lock, self.sessions.begin() as session:
            try:
                current = self._current if self._current is not None else load_current(session)
                inputs, hints, samples = load_inputs(session, self.topology, now, self.sample_metrics())
                ev = evaluate(self.topology, inputs, now.timestamp(), self.grace_seconds)
                current = save_intervals(session, current, ev, now)
                plan = plan_outages(self.topology, ev, load_open_outages(session), hints, now, self.hold_down_seconds)
                events = save_outages(session, plan, now)
                snapshot = build_snapshot(self.topology, ev, current, now, inputs.last_heard)
                snapshot.outages = [t.outage for t in load_open_outages(session)]
                snapshot.latest = samples
                _claim_writer(session)
                for listener in self.listeners:
                    self._notify(listener, session, snapshot, events, now)
            except BaseException:
                self._current = None  # the transaction rolls back: re-read next time
                raise
            self._current = current
        return SweepResult(snapshot, events, ev)

    def _notify(
        self, listener: HealthListener, session: Session, snap: HealthSnapshot, events: list[OutageEvent], now: datetime
    ) -> None:
        """Call one listener in a SAVEPOINT: its failure rolls back its own work only."""
        name = listener_name(listener)
        try:
            with session.begin_nested():
                listener.on_health(session, snap, events, now)
        except Exception as exc:  # isolate it: health and the other listeners go on; counted and logged
            fault = self.faults.get(name)
            count = (fault.count if fault else 0) + 1
            self.faults[name] = Fault(count, f"{type(exc).__name__}: {exc}"[:300])
            faults.record(
                session.connection(), f"health listener {name}", count, self.faults[name].error, now.timestamp()
            )
            if count == 1:  # the traceback once per run of failures, then a line now and then (not every second)
                log.exception("health listener %s failed", name)
            elif count % 60 == 0:
                log.error("health listener %s failed %d sweeps in a row: %s", name, count, self.faults[name].error)
            if self.on_listener_error is not None:
                self.on_listener_error(name)
            return
        if self.faults.pop(name, None) is not None:
            faults.clear(session.connection(), f"health listener {name}")

    def sample_metrics(self) -> frozenset[str]:
        """The latest readings the listeners read (a listener's ``metrics`` attribute, when it has one)."""
        return frozenset(m for listener in self.listeners for m in getattr(listener, "metrics", ()))


def _claim_writer(session: Session) -> None:
    """On SQLite, hold the write lock before the listeners' savepoints: a savepoint opening a transaction reads a
    snapshot, and its first write fails at once ("database is locked") if ingest committed meanwhile. A write that
    touches no row takes the lock (waiting its turn) without changing anything."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE agent_status SET site_id = site_id WHERE 1 = 0"))


def build_snapshot(
    topo: Topology,
    ev: Evaluation,
    current: dict[tuple[str, str], Current],
    now: datetime,
    last_heard: dict[str, float] | None = None,
) -> HealthSnapshot:
    """The contract snapshot, with each subject's state and since when it holds."""
    snap = HealthSnapshot(at=now)

    def since(scope: str, ident: str) -> datetime:
        cur = current.get((scope, ident))
        return cur.started_at if cur else now

    for d, v in ev.devices.items():
        node = topo.devices[d]
        snap.devices[d] = DeviceHealth(
            d, node.site_id, node.town_id, node.kind, v.state, v.reason, since("device", d), v.root_cause
        )
    for s, v in ev.sites.items():
        heard = (last_heard or {}).get(s)
        at = datetime.fromtimestamp(heard, UTC) if heard else None
        snap.sites[s] = SiteHealth(s, topo.sites[s].town_id, v.state, v.reason, since("site", s), at)
    for c, v in ev.channels.items():
        ch = topo.channels[c]
        snap.channels[c] = ChannelHealth(c, ch.kind, ch.site_id, v.state, since("channel", c))
    return snap
