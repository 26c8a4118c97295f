"""Alerting fixtures: a migrated database, the shipped rules, a real aiosmtpd on loopback, snapshot builders."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from noc_api.alerting.cycle import ack_url, queue_notices
from noc_api.alerting.listener import AlertingListener
from noc_api.alerting.routing_file import RoutingFile
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.health.model import Cause, DeviceHealth, HealthSnapshot, Outage, Sample, Scope, SiteHealth, State
from noc_api.notify.metrics import NotifyMetrics
from noc_api.runtime import make_delivery
from noc_api.settings import load_settings
from tests.smtp_peer import Inbox, smtp_server

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # 14:00 in Karachi: the day shift


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port: (inbox, port)."""
    with smtp_server() as (port, inbox):
        yield inbox, port


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """The shipped rules with a routing that only emails (SMS/webhook tests add their own)."""
    d = tmp_path / "alert_rules"
    shutil.copytree(ROOT / "alert_rules", d)
    return d


@dataclass
class World:
    sessions: object
    settings: object
    listener: AlertingListener
    routing: RoutingFile
    now: datetime = T0
    log: list = field(default_factory=list)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.metrics = NotifyMetrics(self.registry)

    def eval(self, snap: HealthSnapshot, at: datetime | None = None) -> None:
        self.now = at or self.now
        snap.at = self.now
        with self.sessions.begin() as s:
            self.listener.on_health(s, snap, [], self.now)

    def cycle(self, at: datetime | None = None) -> dict:
        """What the server's two jobs do each tick: queue the notices due, then deliver the outbox."""
        self.now = at or self.now
        with self.sessions.begin() as s:
            queued = queue_notices(s, self.routing, partial(ack_url, self.settings), self.now)
        return {"queued": queued, "sent": self.deliver().sent}

    def deliver(self):
        """One run of the outbox's delivery job, with notifiers from the current settings."""
        return make_delivery(self.settings, self.sessions, self.routing, self.metrics).run(self.now)

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def world(db_url: str, rules_dir: Path, smtp) -> Iterator[World]:
    engine = make_engine(db_url)
    upgrade(engine)
    settings = load_settings(
        database_url=db_url,
        alert_rules=rules_dir,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        env="test",
        secret_key="test-secret",
    )
    try:
        yield World(
            make_session_factory(engine), settings, AlertingListener.from_dir(rules_dir), RoutingFile.in_dir(rules_dir)
        )
    finally:
        engine.dispose()


def dev(
    ident: str,
    site: str,
    town: str,
    kind: str,
    state: State = State.UP,
    root: str | None = None,
    reason: str = "",
    since: datetime = T0,
) -> DeviceHealth:
    """A device's health."""
    return DeviceHealth(ident, site, town, kind, state, reason or state.value, since, root)


def town_snapshot(
    n_pcs: int = 10,
    radio: State = State.UP,
    pcs: State | None = None,
    outage: bool = False,
    site_state: State = State.UP,
) -> HealthSnapshot:
    """A data-centre radio end feeding a town office with ``n_pcs`` devices behind it."""
    snap = HealthSnapshot(at=T0)
    snap.devices["radio-orangi-dc"] = dev("radio-orangi-dc", "dc-civic", "saddar", "radio", radio)
    snap.sites["dc-civic"] = SiteHealth("dc-civic", "saddar", State.UP, "ok", T0)
    snap.sites["town-orangi"] = SiteHealth("town-orangi", "orangi", site_state, site_state.value, T0)
    for i in range(n_pcs):
        ident = f"town-orangi-pc-{i:02d}"
        state = pcs if pcs is not None else State.UNREACHABLE if radio == State.DOWN else State.UP
        root = "radio-orangi-dc" if state == State.UNREACHABLE else None
        snap.devices[ident] = dev(ident, "town-orangi", "orangi", "switch" if i == 0 else "workstation", state, root)
    if outage:
        snap.outages.append(
            Outage(
                1,
                Scope.DEVICE,
                "radio-orangi-dc",
                "dc-civic",
                "saddar",
                "radio-orangi-dc",
                Cause.LINK,
                T0,
                None,
                ("walk-in-orangi",),
                ("town-orangi",),
            )
        )
    return snap


def sample(device: str, metric: str, value: float, at: datetime, **labels: str) -> Sample:
    """One latest sample."""
    return Sample(device, metric, value, at, tuple(sorted(labels.items())))
