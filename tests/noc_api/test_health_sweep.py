"""Health sweep on both databases: ingest through the API, sweep, see states, intervals, outages, listeners."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from noc_api.app import create_app
from noc_api.db import noc_models as nm
from noc_api.health.model import Cause, OutageEventKind, State
from noc_api.services.accounts import issue_site_token
from noc_api.settings import load_settings
from tests.noc_api.reporter import batch, device_report, heartbeat

ORANGI = ["radio-orangi", "town-orangi-ups", "town-orangi-sw", "town-orangi-pc-01", "town-orangi-pc-02"]


class Recorder:
    """A HealthListener that keeps what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_health(self, session, snapshot, events, now) -> None:  # noqa: ANN001
        assert session.in_transaction()
        self.calls.append((snapshot, events, now))


@pytest.fixture
def city(db_url: str, inventory_path) -> Iterator[tuple[TestClient, dict[str, str]]]:  # noqa: ANN001
    settings = load_settings(
        database_url=db_url, inventory=inventory_path, env="test", run_scheduler=False, hold_down_seconds=3
    )
    with TestClient(create_app(settings)) as c:
        with c.app.state.runtime.sessions.begin() as s:
            tokens = {site: issue_site_token(s, site) for site in ("town-orangi", "dc-civic")}
        yield c, tokens


def send(c: TestClient, token: str, site: str, reports: list[dict]) -> None:
    r = c.post("/api/v1/ingest", json=batch(site, reports), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"]), r.text


def test_radio_link_down_then_recovery(city) -> None:  # noqa: ANN001
    c, tokens = city
    rt = c.app.state.runtime
    rec = Recorder()
    rt.listeners.append(rec)
    send(
        c,
        tokens["town-orangi"],
        "town-orangi",
        [device_report("town-orangi", d) for d in ORANGI] + [heartbeat("town-orangi")],
    )
    radio_up = [{"metric": "radio_link_up", "value": 1}, {"metric": "radio_snr_db", "value": 30}]
    send(c, tokens["dc-civic"], "dc-civic", [device_report("dc-civic", "radio-orangi-dc", readings=radio_up)])
    now = datetime.now(UTC)
    first = rt.health.sweep(now)
    assert first.snapshot.sites["town-orangi"].state == State.UP
    assert first.snapshot.channels["walk-in-orangi"].state == State.UP
    # The data-centre end of Orangi's radio link sees the link drop.
    down = [{"metric": "radio_link_up", "value": 0}, {"metric": "radio_snr_db", "value": 3}]
    send(
        c,
        tokens["dc-civic"],
        "dc-civic",
        [device_report("dc-civic", "radio-orangi-dc", "down", down, error="link lost")],
    )
    res = rt.health.sweep(now + timedelta(seconds=2))
    snap = res.snapshot
    assert snap.sites["town-orangi"].state == State.DOWN
    assert all(snap.devices[d].state == State.UNREACHABLE for d in ORANGI if d != "town-orangi-ups")
    assert snap.devices["town-orangi-sw"].root_cause == "radio-orangi-dc"
    assert snap.channels["walk-in-orangi"].state == State.DOWN
    opened = [e for e in res.events if e.kind == OutageEventKind.OPENED]
    assert len(opened) == 1 and opened[0].outage.cause == Cause.LINK and opened[0].outage.id > 0
    assert "town-orangi" in opened[0].outage.affected and "walk-in-orangi" in opened[0].outage.channels
    assert rec.calls[-1][1] == res.events and len(rec.calls) == 2
    # Recovery: held down for 3 s, then closed with the moment it recovered.
    send(c, tokens["dc-civic"], "dc-civic", [device_report("dc-civic", "radio-orangi-dc", readings=radio_up)])
    send(c, tokens["town-orangi"], "town-orangi", [heartbeat("town-orangi")])
    t_rec = now + timedelta(seconds=5)
    assert rt.health.sweep(t_rec).events[0].kind == OutageEventKind.UPDATED
    assert rt.health.sweep(now + timedelta(seconds=7)).events == []
    closed = rt.health.sweep(now + timedelta(seconds=9)).events
    assert [e.kind for e in closed] == [OutageEventKind.CLOSED]
    o = closed[0].outage
    assert (o.ended_at - o.started_at) == timedelta(seconds=3)
    with rt.sessions() as s:
        intervals = s.scalars(
            select(nm.StateInterval).where(nm.StateInterval.subject_id == "town-orangi").order_by(nm.StateInterval.id)
        ).all()
        assert [i.state for i in intervals] == ["up", "down", "up"]
        assert intervals[1].ended_at - intervals[1].started_at == timedelta(seconds=3)
        assert s.scalar(select(nm.OutageRow)).ended_at is not None
