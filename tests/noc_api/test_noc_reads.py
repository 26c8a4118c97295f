"""NOC read API, maintenance windows and /metrics (checked by promtool) on both databases."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.app import create_app
from noc_api.health.rollups import rollup
from noc_api.health.schemas import CityStateOut
from noc_api.settings import load_settings
from noc_api.system.schemas import HealthOut
from tests.noc_api.reporter import batch, device_report, heartbeat
from tests.support import wait_for


@pytest.fixture
def noc(db_url: str, inventory_path) -> Iterator[tuple[TestClient, str]]:
    settings = load_settings(database_url=db_url, inventory=inventory_path, env="test", run_scheduler=False)
    with TestClient(create_app(settings)) as c:
        with c.app.state.runtime.sessions.begin() as s:
            token = issue_site_token(s, "dc-civic")
            add_user(s, username="noc.one", password="noc password 1", role="noc")
            add_user(s, username="qc.one", password="qc password 12", role="qc_officer")
        yield c, token


def login(c: TestClient, user: str, pw: str) -> dict:
    c.cookies.clear()  # a bearer client: another user's session cookie would make the POST look cross-site
    r = c.post("/api/v1/auth/login", json={"username": user, "password": pw})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_reads_maintenance_and_metrics(noc) -> None:
    c, token = noc
    rt = c.app.state.runtime
    ups = [
        {"metric": "ups_battery_charge_ratio", "value": 0.93},
        {"metric": "if_in_bits_per_second", "value": 1.5e6, "labels": {"interface": "eth0"}},
    ]
    reports = [device_report("dc-civic", "dc-ups-1", readings=ups), heartbeat("dc-civic", outbox_depth=4)]
    reports.append(device_report("dc-civic", "dc-core-sw", "unreachable", error="SNMP timeout"))
    r = c.post("/api/v1/ingest", json=batch("dc-civic", reports), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    now = datetime.now(UTC)
    rt.health.sweep(now)
    assert c.get("/api/v1/noc/state").status_code == 401
    staff = login(c, "noc.one", "noc password 1")
    state = c.get("/api/v1/noc/state", headers=staff).json()
    # The state is encoded by hand for speed: it must stay what /docs says (no key missing, none unknown).
    assert CityStateOut.model_validate(state).model_dump(exclude_unset=True) == state
    health = c.get("/healthz").json()
    assert HealthOut.model_validate(health).model_dump(exclude_unset=True) == health
    dc = next(s for s in state["sites"] if s["id"] == "dc-civic")
    core = next(d for d in dc["devices"] if d["id"] == "dc-core-sw")
    assert core["state"] == "down" and core["reason"] == "SNMP timeout"
    assert next(d for d in dc["devices"] if d["id"] == "dc-noc-1")["root_cause"] == "dc-core-sw"
    assert [o["subject_id"] for o in state["outages"]] == ["dc-core-sw"]
    outs = c.get("/api/v1/noc/outages", params={"cause": "switch"}, headers=staff).json()
    assert len(outs) == 1 and "radio-orangi-dc" in outs[0]["affected"]
    assert c.get("/api/v1/noc/outages", params={"cause": "power"}, headers=staff).json() == []
    up = c.get("/api/v1/noc/uptime", params={"by": "channel"}, headers=staff).json()
    web = next(i for i in up["items"] if i["id"] == "web-portal")
    assert web["uptime_percent"] is not None and web["minutes_lost"] >= 0 and outs[0]["id"] in web["outages"]
    assert c.get("/api/v1/noc/uptime", params={"by": "town"}, headers=staff).status_code == 200
    series = c.get("/api/v1/noc/devices/dc-ups-1/series", params={"metric": "ups_battery_charge_ratio"}, headers=staff)
    assert [p["value"] for p in series.json()["points"]] == [0.93]
    rollup(rt.engine, now + timedelta(hours=2))
    rolled = c.get(
        "/api/v1/noc/devices/dc-ups-1/series",
        params={"metric": "ups_battery_charge_ratio", "step": "5m", "start": (now - timedelta(hours=1)).isoformat()},
        headers=staff,
    ).json()["points"]
    assert len(rolled) == 1 and rolled[0]["avg"] == 0.93 and rolled[0]["count"] == 1
    # Maintenance: NOC staff only; the core switch under maintenance is shown apart.
    window = {
        "scope": "device",
        "subject_id": "dc-core-sw",
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "note": "firmware upgrade",
    }
    assert (
        c.post("/api/v1/noc/maintenance", json=window, headers=login(c, "qc.one", "qc password 12")).status_code == 403
    )
    bad = c.post("/api/v1/noc/maintenance", json=window | {"subject_id": "nope"}, headers=staff)
    assert bad.status_code == 422 and "unknown device 'nope'" in bad.json()["detail"]
    made = c.post("/api/v1/noc/maintenance", json=window, headers=staff)
    assert made.status_code == 201
    rt.health.sweep(now + timedelta(seconds=1))
    state = c.get("/api/v1/noc/state", headers=staff).json()
    assert state["outages"][0]["in_maintenance"] is True
    assert c.get("/api/v1/noc/maintenance", headers=staff).json()[0]["note"] == "firmware upgrade"
    assert c.delete(f"/api/v1/noc/maintenance/{made.json()['id']}", headers=staff).status_code == 204
    # /metrics passes promtool and carries state, readings, ingest and agent figures.
    text = c.get("/metrics").text
    for needle in (
        'ccis_device_state{device="dc-core-sw",kind="switch",site="dc-civic",state="unknown"} 1.0',
        'ccis_ups_battery_charge_ratio{device="dc-ups-1",site="dc-civic"} 0.93',
        'ccis_interface_receive_bytes_per_second{device="dc-ups-1",interface="eth0",site="dc-civic"} 187500.0',
        'ccis_agent_outbox_depth{site="dc-civic"} 4.0',
        'ccis_ingest_reports_total{result="accepted"} 3.0',
        'ccis_channel_up{channel="web-portal",kind="web"}',
        "ccis_outages_open{",
        "process_resident_memory_bytes ",
    ):
        assert needle in text, needle
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian prometheus) is needed: scripts/system-deps.sh installs it"
    check = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()


def test_state_is_read_now_not_cached(noc) -> None:
    """The wall's "now" (last heard, reasons, durations) comes from the database at every read; only the
    topology's skeleton is kept. Same document as the uncached build."""
    import json

    from noc_api.health.queries import city_state

    c, token = noc
    rt = c.app.state.runtime
    agent = {"Authorization": f"Bearer {token}"}
    staff = login(c, "noc.one", "noc password 1")
    down = device_report("dc-civic", "dc-core-sw", "unreachable", error="SNMP timeout")
    assert c.post("/api/v1/ingest", json=batch("dc-civic", [heartbeat("dc-civic"), down]), headers=agent).is_success
    rt.health.sweep(datetime.now(UTC))

    def dc(state: dict) -> dict:
        return next(s for s in state["sites"] if s["id"] == "dc-civic")

    def timeless(state: dict) -> dict:  # durations differ by the time between two reads
        return state | {"outages": [{k: v for k, v in o.items() if "duration" not in k} for o in state["outages"]]}

    first = c.get("/api/v1/noc/state", headers=staff).json()
    with rt.sessions() as s:
        assert timeless(first) == timeless(json.loads(json.dumps(city_state(s, rt.topology))))
    # A heartbeat later, and a changed reason in place (no new interval): both show at once, no sweep needed for
    # last_heard; the sweep refreshes the reason without opening an interval.
    late = device_report("dc-civic", "dc-core-sw", "unreachable", error="SNMP timeout after 3 tries")
    assert c.post("/api/v1/ingest", json=batch("dc-civic", [heartbeat("dc-civic"), late]), headers=agent).is_success
    second = c.get("/api/v1/noc/state", headers=staff).json()
    assert dc(second)["last_heard"] > dc(first)["last_heard"]
    rt.health.sweep(datetime.now(UTC))
    third = c.get("/api/v1/noc/state", headers=staff).json()
    core = next(d for d in dc(third)["devices"] if d["id"] == "dc-core-sw")
    assert (
        core["reason"] == "SNMP timeout after 3 tries"
        and core["since"] == next(d for d in dc(first)["devices"] if d["id"] == "dc-core-sw")["since"]
    )
    # The open outage's duration is the time since it began, read now.
    # (Durations are rounded to 0.1 s: read again until one has passed; a cached answer would never grow.)
    [o1] = first["outages"]
    wait_for(
        "the open outage's duration to grow",
        lambda: (
            c.get("/api/v1/noc/state", headers=staff).json()["outages"][0]["duration_seconds"] > o1["duration_seconds"]
        ),
        timeout=30,
    )


def test_city_state_gives_the_times_the_column_type_gives(noc) -> None:
    """The built state reads its intervals off the driver, bypassing the column type: each "since" is still the
    ORM's started_at.isoformat(), with and without microseconds, and on PostgreSQL in a session zone not UTC."""
    from sqlalchemy import insert, select, text

    from noc_api.db.noc_models import StateInterval
    from noc_api.health.queries import city_state

    c, _ = noc
    rt = c.app.state.runtime
    starts = {
        "dc-core-sw": datetime(2026, 5, 1, 7, 30, tzinfo=UTC),
        "dc-ups-1": datetime(2026, 5, 1, 7, 30, 0, 123456, tzinfo=UTC),
        "dc-civic": datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    }
    with rt.sessions.begin() as s:
        s.execute(
            insert(StateInterval),
            [
                {"scope": "site" if i == "dc-civic" else "device", "subject_id": i, "state": "up", "started_at": t}
                for i, t in starts.items()
            ],
        )
    with rt.sessions() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SET TIME ZONE 'Asia/Karachi'"))
        read = {r.subject_id: r.started_at.isoformat() for r in s.scalars(select(StateInterval))}
        state = city_state(s, rt.topology)
    [dc] = [site for site in state["sites"] if site["id"] == "dc-civic"]
    shown = {d["id"]: d["since"] for d in dc["devices"]} | {"dc-civic": dc["since"]}
    assert {i: shown[i] for i in starts} == {i: read[i] for i in starts}
