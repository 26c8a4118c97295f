"""End to end with a real `ccis serve` and scripted reporters over HTTP, on SQLite and PostgreSQL.

The story: a town reports; the data-centre end of its radio link goes down (one outage, cause link, the town's
devices unreachable behind it); the link recovers (the outage closes with its duration); the town's UPS goes on
battery and its agent falls silent (the site is down, one outage, cause power).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.noc_api.server import Reporter
from tests.support import ccis_serve, wait_for

ORANGI = ["radio-orangi", "town-orangi-ups", "town-orangi-sw", "town-orangi-pc-01", "town-orangi-pc-02"]
DC = ["dc-core-sw", "radio-orangi-dc"]


def test_outages_end_to_end(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "e2e-secret-key-0123456789",
        "CCIS_HEARTBEAT_SECONDS": "1",
        "CCIS_GRACE_HEARTBEATS": "3",
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_HOLD_DOWN_SECONDS": "2",
        "CCIS_SSE_POLL_SECONDS": "0.3",
    }
    settings = load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()})
    rt = build(settings)
    with rt.sessions.begin() as s:
        tokens = {site: issue_site_token(s, site) for site in ("town-orangi", "dc-civic")}
        add_user(s, username="noc.e2e", password="noc password 1", role="noc")
    rt.engine.dispose()
    with ccis_serve(env, tmp_path / "serve.log") as url:
        staff = httpx.Client(base_url=url, timeout=10)
        token = staff.post("/api/v1/auth/login", json={"username": "noc.e2e", "password": "noc password 1"})
        staff.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

        def site(sid: str) -> dict:
            return next(s for s in staff.get("/api/v1/noc/state").json()["sites"] if s["id"] == sid)

        def open_outages() -> list[dict]:
            return staff.get("/api/v1/noc/outages", params={"open": True}).json()

        dc = Reporter(url, tokens["dc-civic"], "dc-civic", DC)
        town = Reporter(url, tokens["town-orangi"], "town-orangi", ORANGI)
        link = {"up": True}
        dc.readings["radio-orangi-dc"] = lambda: (
            ("up", [{"metric": "radio_link_up", "value": 1}, {"metric": "radio_snr_db", "value": 32}])
            if link["up"]
            else ("down", [{"metric": "radio_link_up", "value": 0}, {"metric": "radio_snr_db", "value": 2}])
        )
        dc.start()
        town.start()
        try:
            wait_for("Orangi up", lambda: site("town-orangi")["state"] == "up")
            assert open_outages() == []
            # 1. The radio link drops at the data-centre end: the town behind it falls silent.
            link["up"] = False
            town.paused.set()
            outage = wait_for("a link outage", lambda: [o for o in open_outages() if o["cause"] == "link"])
            assert len(open_outages()) == 1, open_outages()
            o = outage[0]
            assert o["root_cause_device"] == "radio-orangi-dc" and "walk-in-orangi" in o["channels"]
            orangi = site("town-orangi")
            assert orangi["state"] == "down"
            states = {d["id"]: (d["state"], d.get("root_cause")) for d in orangi["devices"]}
            assert states["town-orangi-sw"] == ("unreachable", "radio-orangi-dc")
            assert states["town-orangi-pc-01"] == ("unreachable", "radio-orangi-dc")
            # The wall's "now" is read now (never a cached view): the data centre's last report and the open
            # outage's duration both move on between two reads of the state.
            state = staff.get("/api/v1/noc/state").json()
            heard = datetime.fromisoformat(next(s for s in state["sites"] if s["id"] == "dc-civic")["last_heard"])
            lasted = next(x for x in state["outages"] if x["id"] == o["id"])["duration_seconds"]

            def moved_on() -> bool:
                now = staff.get("/api/v1/noc/state").json()
                same = next(x for x in now["outages"] if x["id"] == o["id"])
                dc_now = next(s for s in now["sites"] if s["id"] == "dc-civic")
                return datetime.fromisoformat(dc_now["last_heard"]) > heard and (same["duration_seconds"] > lasted)

            wait_for("the state to read the newest report and a longer outage", moved_on, timeout=30)
            # 2. It recovers: after the hold-down the outage closes with its duration.
            link["up"] = True
            town.paused.clear()
            closed = wait_for(
                "the link outage closed",
                lambda: [x for x in staff.get("/api/v1/noc/outages").json() if x["id"] == o["id"] and x["ended_at"]],
            )
            assert closed[0]["duration_seconds"] > 0
            wait_for("Orangi up again", lambda: site("town-orangi")["state"] == "up")
            # 3. Load-shedding: the UPS goes on battery, then the town agent falls silent.
            town.readings["town-orangi-ups"] = lambda: ("degraded", [{"metric": "ups_on_battery", "value": 1}])
            time.sleep(1.5)
            town.stop()
            power = wait_for("a site outage", lambda: [x for x in open_outages() if x["scope"] == "site"])
            assert len(open_outages()) == 1
            assert power[0]["subject_id"] == "town-orangi" and power[0]["cause"] == "power"
            assert site("town-orangi")["state"] == "down"
            # The NOC's own metrics show it.
            metrics = staff.get("/metrics").text
            assert 'ccis_site_state{site="town-orangi",state="down",town="orangi"} 1.0' in metrics
            # And a live stream reports it.
            with staff.stream("GET", "/api/v1/events") as stream:
                for line in stream.iter_lines():
                    if line.startswith("data:"):
                        assert '"id":"town-orangi"' in line and '"cause":"power"' in line
                        break
            assert not dc.errors and not town.errors, (dc.errors, town.errors)
        finally:
            dc.stop()
            town.stop()
