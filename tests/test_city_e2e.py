"""The whole chain with real processes: snmpsim devices -> a real `ccis agent` -> a real `ccis serve` -> health,
outage, alert and internal ticket. The agent is killed (-9): the town goes down with one outage and one ticket;
it comes back, sends what it kept, and the outage closes and the ticket is resolved. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.peers import snmpsim
from tests.support import ccis_serve, wait_for

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "collectors" / "data"

INVENTORY = """\
version: 1
city: {{code: KHI, name: Karachi}}
credentials:
  - {{id: c-ups, kind: snmp_v2c, community_env: CCIS_TEST_UPS_COMMUNITY}}
  - {{id: c-sw, kind: snmp_v2c, community_env: CCIS_TEST_SW_COMMUNITY}}
  - {{id: c-radio, kind: snmp_v2c, community_env: CCIS_TEST_RADIO_COMMUNITY}}
departments: [{{id: it, name: IT and NOC}}]
towns: [{{id: orangi, name: Orangi}}]
categories:
  - {{id: noc-power, name: "Outage: power", department: it, promised_hours: 4}}
  - {{id: noc-link, name: "Outage: radio link", department: it, promised_hours: 4}}
  - {{id: noc-switch, name: "Outage: switch", department: it, promised_hours: 4}}
  - {{id: noc-workstation, name: "Outage: workstation", department: it, promised_hours: 8}}
  - {{id: noc-unknown, name: "Outage: cause unknown", department: it, promised_hours: 4}}
sites:
  - id: town-orangi
    name: Orangi Town Office
    kind: town_office
    town: orangi
    agent_host: orangi-pc-01
    devices:
      - {{id: orangi-ups, kind: ups, address: 127.0.0.1,
         collect: {{method: snmp, profile: ups-rfc1628, credential: c-ups, port: {port}, interval: 2}}}}
      - {{id: radio-orangi, kind: radio, address: 127.0.0.1,
         collect: {{method: snmp, profile: radio-ubiquiti-airmax, credential: c-radio, port: {port}, interval: 2}}}}
      - {{id: orangi-sw, kind: switch, address: 127.0.0.1, depends_on: [radio-orangi, orangi-ups],
         collect: {{method: snmp, profile: if-mib, credential: c-sw, port: {port}, interval: 2}}}}
      - {{id: orangi-pc-01, kind: workstation, address: 127.0.0.1, depends_on: [orangi-sw],
         collect: {{method: psutil, interval: 2}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-sw, orangi-pc-01]}}}}
"""


def test_agent_to_ticket_with_real_processes(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "snmp"
    data.mkdir()
    for name in ("ups-mains", "switch24", "radio-ubiquiti"):
        shutil.copy(DATA / f"{name}.snmprec", data / f"{name}.snmprec")
    with snmpsim(data, tmp_path / "snmpsim", "ups-mains") as sim:
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text(INVENTORY.format(port=sim.port))
        env = {
            "CCIS_DATABASE_URL": db_url,
            "CCIS_INVENTORY": str(inventory),
            "CCIS_ENV": "test",
            "CCIS_SECRET_KEY": "city-e2e-secret-0123456789",
            "CCIS_HEARTBEAT_SECONDS": "1",
            "CCIS_GRACE_HEARTBEATS": "4",
            "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
            "CCIS_HOLD_DOWN_SECONDS": "1",
            "CCIS_PREVENTIVE_MAINTENANCE": "false",
            "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
        }
        settings = load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()})
        rt = build(settings)
        with rt.sessions.begin() as s:
            token = issue_site_token(s, "town-orangi")
            add_user(s, username="noc.one", password="noc password 1", role="noc")
        rt.engine.dispose()
        token_file = tmp_path / "agent.token"
        token_file.write_text(token + "\n")
        agent_env = {
            **os.environ,
            "CCIS_TEST_UPS_COMMUNITY": "ups-mains",
            "CCIS_TEST_SW_COMMUNITY": "switch24",
            "CCIS_TEST_RADIO_COMMUNITY": "radio-ubiquiti",
        }
        procs: list[subprocess.Popen] = []

        def start_agent(url: str) -> subprocess.Popen:
            cmd = [
                sys.executable,
                "-m",
                "ccis.cli",
                "agent",
                "--site",
                "town-orangi",
                "--noc",
                url,
                "--token-file",
                str(token_file),
                "--state-dir",
                str(tmp_path / "agent"),
            ]
            log = (tmp_path / f"agent-{len(procs)}.log").open("wb")
            p = subprocess.Popen(
                cmd, cwd=ROOT, env=agent_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            procs.append(p)
            return p

        try:
            with ccis_serve(env, tmp_path / "serve.log") as url:
                c = httpx.Client(base_url=url, timeout=10)
                login = c.post("/api/v1/auth/login", json={"username": "noc.one", "password": "noc password 1"})
                c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

                def orangi() -> dict:
                    return next(s for s in c.get("/api/v1/noc/state").json()["sites"] if s["id"] == "town-orangi")

                def tickets() -> list[dict]:
                    return c.get("/api/v1/complaints", params={"channel": "internal"}).json()

                agent = start_agent(url)
                up = wait_for(
                    "every device up from snmpsim",
                    lambda: (o := orangi())["state"] == "up" and all(d["state"] == "up" for d in o["devices"]) and o,
                    timeout=60,
                )
                assert {d["id"] for d in up["devices"]} == {"orangi-ups", "radio-orangi", "orangi-sw", "orangi-pc-01"}
                series = c.get("/api/v1/noc/devices/orangi-ups/series", params={"metric": "ups_battery_charge_ratio"})
                assert series.status_code == 200 and series.json()["points"], series.text
                os.killpg(agent.pid, signal.SIGKILL)  # the power is cut: the agent dies mid-cycle
                agent.wait(10)
                wait_for("the town down", lambda: orangi()["state"] == "down", timeout=60)
                outages = c.get("/api/v1/noc/outages", params={"open": True}).json()
                assert len(outages) == 1 and outages[0]["subject_id"] == "town-orangi"
                assert "walk-in-orangi" in outages[0]["channels"]
                [ticket] = wait_for("one ticket", tickets)
                assert ticket["town_id"] == "orangi" and ticket["status"] == "assigned"
                start_agent(url)  # power returns
                wait_for(
                    "the outage closed",
                    lambda: c.get("/api/v1/noc/outages", params={"open": True}).json() == [],
                    timeout=60,
                )
                resolved = wait_for("the ticket resolved", lambda: [t for t in tickets() if t["status"] == "resolved"])
                assert [t["tracking_number"] for t in resolved] == [ticket["tracking_number"]]
                assert len(tickets()) == 1
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(10)


RADIO_INVENTORY = """\
version: 1
city: {{code: KHI, name: Karachi}}
credentials:
  - {{id: c-ap, kind: snmp_v2c, community_env: CCIS_TEST_AP_COMMUNITY}}
  - {{id: c-blind, kind: snmp_v2c, community_env: CCIS_TEST_BLIND_COMMUNITY}}
  - {{id: c-sw, kind: snmp_v2c, community_env: CCIS_TEST_SW_COMMUNITY}}
departments: [{{id: it, name: IT and NOC}}]
towns: [{{id: orangi, name: Orangi}}]
categories:
  - {{id: noc-power, name: "Outage: power", department: it, promised_hours: 4}}
  - {{id: noc-link, name: "Outage: radio link", department: it, promised_hours: 4}}
  - {{id: noc-switch, name: "Outage: switch", department: it, promised_hours: 4}}
  - {{id: noc-workstation, name: "Outage: workstation", department: it, promised_hours: 8}}
  - {{id: noc-unknown, name: "Outage: cause unknown", department: it, promised_hours: 4}}
sites:
  - id: town-orangi
    name: Orangi Town Office
    kind: town_office
    town: orangi
    devices:
      - {{id: ap-north, kind: radio, address: 127.0.0.1,
         collect: {{method: snmp, profile: radio-mikrotik-wireless, credential: c-ap, port: {port}, interval: 1}}}}
      - {{id: radio-orangi, kind: radio, address: 127.0.0.1,
         collect: {{method: snmp, profile: radio-mikrotik-wireless, credential: c-blind, port: {port}, interval: 1}}}}
      - {{id: orangi-sw, kind: switch, address: 127.0.0.1,
         collect: {{method: snmp, profile: if-mib, credential: c-sw, port: {port}, interval: 1}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-sw]}}}}
"""


def test_radio_links_and_port_errors_reach_the_noc(db_url: str, tmp_path: Path) -> None:
    # A MikroTik access point whose wireless interfaces are ifIndex 5 and 9, a MikroTik with no wireless tables
    # and a switch with 1,234 input errors on Gi0/3: real snmpsim -> real `ccis agent` -> real `ccis serve`.
    data = tmp_path / "snmp"
    data.mkdir()
    for name in ("rb-ap-two-wlans", "rb-no-wireless", "switch-port-errors"):
        shutil.copy(DATA / f"{name}.snmprec", data / f"{name}.snmprec")
    with snmpsim(data, tmp_path / "snmpsim", "rb-ap-two-wlans") as sim:
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text(RADIO_INVENTORY.format(port=sim.port))
        env = {
            "CCIS_DATABASE_URL": db_url,
            "CCIS_INVENTORY": str(inventory),
            "CCIS_ENV": "test",
            "CCIS_SECRET_KEY": "city-e2e-secret-0123456789",
            "CCIS_HEARTBEAT_SECONDS": "1",
            "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
            "CCIS_PREVENTIVE_MAINTENANCE": "false",
            "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
        }
        settings = load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()})
        rt = build(settings)
        with rt.sessions.begin() as s:
            token = issue_site_token(s, "town-orangi")
            add_user(s, username="noc.one", password="noc password 1", role="noc")
        rt.engine.dispose()
        token_file = tmp_path / "agent.token"
        token_file.write_text(token + "\n")
        agent_env = {
            **os.environ,
            "CCIS_TEST_AP_COMMUNITY": "rb-ap-two-wlans",
            "CCIS_TEST_BLIND_COMMUNITY": "rb-no-wireless",
            "CCIS_TEST_SW_COMMUNITY": "switch-port-errors",
        }
        agent = None
        try:
            with ccis_serve(env, tmp_path / "serve.log") as url:
                c = httpx.Client(base_url=url, timeout=10)
                login = c.post("/api/v1/auth/login", json={"username": "noc.one", "password": "noc password 1"})
                c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
                cmd = [sys.executable, "-m", "ccis.cli", "agent", "--site", "town-orangi", "--noc", url]
                cmd += ["--token-file", str(token_file), "--state-dir", str(tmp_path / "agent")]
                with (tmp_path / "agent.log").open("wb") as log:
                    agent = subprocess.Popen(
                        cmd, cwd=ROOT, env=agent_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                    )

                def devices() -> dict[str, dict]:
                    site = next(s for s in c.get("/api/v1/noc/state").json()["sites"] if s["id"] == "town-orangi")
                    return {d["id"]: d for d in site["devices"]}

                def series(device: str, metric: str) -> list[dict]:
                    r = c.get(f"/api/v1/noc/devices/{device}/series", params={"metric": metric})
                    assert r.status_code == 200, r.text
                    return r.json()["points"]

                states = wait_for(
                    "the blind radio degraded, the others up",
                    lambda: (
                        (d := devices())["radio-orangi"]["state"] == "degraded"
                        and d["ap-north"]["state"] == "up"
                        and d["orangi-sw"]["state"] == "up"
                        and d
                    ),
                    timeout=60,
                )
                assert states["radio-orangi"]["reason"] == "no radio readings"
                signal_points = wait_for("the access point's signal", lambda: series("ap-north", "radio_signal_dbm"))
                device_level = [p["value"] for p in signal_points if not p["labels"]]
                assert device_level and device_level[-1] == -78.0  # its worst station
                assert len({p["labels"] for p in signal_points if p["labels"]}) == 3  # one series per station
                snr = [p["value"] for p in series("ap-north", "radio_snr_db") if not p["labels"]]
                assert snr and snr[-1] == 17.0  # mtxrWlRtabSignalToNoise, the vendor's own
                errors = wait_for("the port error totals", lambda: series("orangi-sw", "if_in_errors_total"))
                gi03 = [p["value"] for p in errors if "Gi0/3" in p["labels"]]
                assert gi03 and gi03[-1] == 1234.0
                assert series("radio-orangi", "radio_signal_dbm") == []
        finally:
            if agent is not None and agent.poll() is None:
                os.killpg(agent.pid, signal.SIGKILL)
                agent.wait(10)
