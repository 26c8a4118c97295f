"""Health sweep on both databases: ingest through the API, sweep, see states, intervals, outages, listeners."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from noc_api.accounts.service import issue_site_token
from noc_api.app import create_app
from noc_api.db import noc_models as nm
from noc_api.health.model import Cause, OutageEventKind, State
from noc_api.settings import load_settings
from tests.noc_api.reporter import batch, device_report, heartbeat
from tests.support import wait_for

ORANGI = ["radio-orangi", "town-orangi-ups", "town-orangi-sw", "town-orangi-pc-01", "town-orangi-pc-02"]


class Recorder:
    """A HealthListener that keeps what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_health(self, session, snapshot, events, now) -> None:
        assert session.in_transaction()
        self.calls.append((snapshot, events, now))


@pytest.fixture
def city(db_url: str, inventory_path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = load_settings(
        database_url=db_url,
        inventory=inventory_path,
        env="test",
        run_scheduler=False,
        hold_down_seconds=3,
        heartbeat_seconds=0.5,
        grace_heartbeats=2,  # a site is silent after 1 s
    )
    with TestClient(create_app(settings)) as c:
        with c.app.state.runtime.sessions.begin() as s:
            tokens = {site: issue_site_token(s, site) for site in ("town-orangi", "dc-civic")}
        yield c, tokens


def send(c: TestClient, token: str, site: str, reports: list[dict]) -> None:
    r = c.post("/api/v1/ingest", json=batch(site, reports), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"]), r.text


def test_radio_link_down_then_recovery(city) -> None:
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
    # The data-centre end of Orangi's radio link sees the link drop; the town, behind it, falls silent.
    down = [{"metric": "radio_link_up", "value": 0}, {"metric": "radio_snr_db", "value": 3}]
    send(
        c,
        tokens["dc-civic"],
        "dc-civic",
        [device_report("dc-civic", "radio-orangi-dc", "down", down, error="link lost")],
    )
    heard = rt.health.sweep(datetime.now(UTC)).snapshot
    if heard.sites["town-orangi"].state == State.UP:  # still heard a moment ago: the link is shown working
        assert heard.devices["radio-orangi-dc"].state == State.DEGRADED
        assert "behind it is up" in heard.devices["radio-orangi-dc"].reason

    def sweep_until_down():  # the data centre keeps reporting its radio down
        send(c, tokens["dc-civic"], "dc-civic", [device_report("dc-civic", "radio-orangi-dc", "down", down)])
        res = rt.health.sweep(datetime.now(UTC))
        return res if res.snapshot.sites["town-orangi"].state == State.DOWN else None

    res = wait_for("the town silent behind its link", sweep_until_down, timeout=30, interval=0.2)
    snap = res.snapshot
    t_down = snap.at
    assert all(snap.devices[d].state == State.UNREACHABLE for d in ORANGI if d != "town-orangi-ups")
    assert snap.devices["town-orangi-sw"].root_cause == "radio-orangi-dc"
    assert snap.sites["town-orangi"].reason == "uplink radio-orangi-dc down"
    assert snap.channels["walk-in-orangi"].state == State.DOWN
    opened = [e for e in res.events if e.kind == OutageEventKind.OPENED]
    assert len(opened) == 1 and opened[0].outage.cause == Cause.LINK and opened[0].outage.id > 0
    assert "town-orangi" in opened[0].outage.affected and "walk-in-orangi" in opened[0].outage.channels
    assert rec.calls[-1][1] == res.events
    # Recovery: held down for 3 s, then closed with the moment it recovered.
    send(c, tokens["dc-civic"], "dc-civic", [device_report("dc-civic", "radio-orangi-dc", readings=radio_up)])
    send(c, tokens["town-orangi"], "town-orangi", [heartbeat("town-orangi")])
    t_rec = datetime.now(UTC)
    assert rt.health.sweep(t_rec).events[0].kind == OutageEventKind.UPDATED

    def sweep_until_closed():  # the town keeps reporting through the hold-down
        send(c, tokens["town-orangi"], "town-orangi", [heartbeat("town-orangi")])
        send(c, tokens["dc-civic"], "dc-civic", [device_report("dc-civic", "radio-orangi-dc", readings=radio_up)])
        events = rt.health.sweep(datetime.now(UTC)).events
        assert all(e.kind == OutageEventKind.CLOSED for e in events), events
        return events

    closed = wait_for("the outage closed after the hold-down", sweep_until_closed, timeout=30, interval=0.3)
    assert [e.kind for e in closed] == [OutageEventKind.CLOSED]
    o = closed[0].outage
    assert (o.started_at, o.ended_at) == (t_down, t_rec)
    with rt.sessions() as s:
        intervals = s.scalars(
            select(nm.StateInterval).where(nm.StateInterval.subject_id == "town-orangi").order_by(nm.StateInterval.id)
        ).all()
        assert [i.state for i in intervals] == ["up", "down", "up"]
        assert (intervals[1].started_at, intervals[1].ended_at) == (t_down, t_rec)
        assert s.scalar(select(nm.OutageRow)).ended_at is not None


def test_a_sweep_too_costly_for_the_interval_is_paced_not_starving_the_server(city) -> None:
    """A sweep that took t seconds is followed by the next only after t * (1/share - 1): the ones asked for
    before are left out and counted on /metrics, and the next one still runs and sees what changed."""
    import time

    c, tokens = city
    rt = c.app.state.runtime
    rt.health.max_share = 0.1

    class Costly:
        def on_health(self, session, snapshot, events, now) -> None:
            time.sleep(0.05)  # the work of a costly listener: the next sweep is due 450 ms after this one

    rt.listeners.append(Costly())
    send(c, tokens["town-orangi"], "town-orangi", [heartbeat("town-orangi")])
    assert rt.health.paced(datetime.now(UTC)) is not None
    assert rt.health.paced(datetime.now(UTC)) is None  # too soon: left out
    skipped = c.get("/metrics").text
    assert "ccis_health_sweeps_skipped_total 1.0" in skipped, skipped

    def heard_then_swept():  # the site keeps reporting (it is silent after 1 s)
        send(c, tokens["town-orangi"], "town-orangi", [heartbeat("town-orangi")])
        return rt.health.paced(datetime.now(UTC))

    swept = wait_for("the next sweep", heard_then_swept, timeout=30, interval=0.05)
    assert swept.snapshot.sites["town-orangi"].state == State.UP
