"""One health sweep: read inputs, evaluate, persist intervals and outages, call the listeners, commit."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

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

log = logging.getLogger("ccis.health")


@dataclass
class SweepResult:
    snapshot: HealthSnapshot
    events: list[OutageEvent]
    evaluation: Evaluation


@dataclass
class HealthSweeper:
    """Runs sweeps; keeps the open intervals in memory between sweeps (only the leader writes them)."""

    topology: Topology
    sessions: sessionmaker[Session]
    grace_seconds: float
    hold_down_seconds: float
    listeners: list[HealthListener] = field(default_factory=list)
    _current: dict[tuple[str, str], Current] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Forget the cached intervals (after losing and regaining leadership)."""
        self._current = None

    def sweep(self, now: datetime) -> SweepResult:
        """Evaluate at ``now`` and commit everything in one transaction, listeners included."""
        with self._lock, self.sessions.begin() as session:
            try:
                current = self._current if self._current is not None else load_current(session)
                inputs, hints = load_inputs(session, self.topology, now)
                ev = evaluate(self.topology, inputs, now.timestamp(), self.grace_seconds)
                current = save_intervals(session, current, ev, now)
                plan = plan_outages(self.topology, ev, load_open_outages(session), hints, now, self.hold_down_seconds)
                events = save_outages(session, plan, now)
                snapshot = build_snapshot(self.topology, ev, current, now, inputs.last_heard)
                snapshot.outages = [t.outage for t in load_open_outages(session)]
                for listener in self.listeners:
                    listener.on_health(session, snapshot, events, now)
            except BaseException:
                self._current = None  # the transaction rolls back: re-read next time
                raise
            self._current = current
        return SweepResult(snapshot, events, ev)


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
