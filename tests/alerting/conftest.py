"""Alerting fixtures: a migrated database, the shipped rules, a real aiosmtpd on loopback, snapshot builders."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from noc_api.alerting.cycle import run_notification_cycle
from noc_api.alerting.listener import AlertingListener
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.health.model import Cause, DeviceHealth, HealthSnapshot, Outage, Sample, Scope, SiteHealth, State
from noc_api.settings import load_settings
from tests.smtp_peer import Inbox, smtp_server

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # 14:00 in Karachi: the day shift


def free_port() -> int:
    """A port free on loopback now (bound to 0 and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    now: datetime = T0
    log: list = field(default_factory=list)

    def eval(self, snap: HealthSnapshot, at: datetime | None = None) -> None:
        self.now = at or self.now
        snap.at = self.now
        with self.sessions.begin() as s:
            self.listener.on_health(s, snap, [], self.now)

    def cycle(self, at: datetime | None = None) -> dict:
        self.now = at or self.now
        with self.sessions.begin() as s:
            return run_notification_cycle(s, self.now, self.settings)

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def world(db_url: str, rules_dir: Path, smtp) -> Iterator[World]:  # noqa: ANN001
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
        yield World(make_session_factory(engine), settings, AlertingListener.from_dir(rules_dir))
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
