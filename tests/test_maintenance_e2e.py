"""Karachi's maintenance procedure end to end with real processes: a real `ccis agent` -> a real `ccis serve`.

1. Plans become tickets at start-up (once, across a restart); an engineer starts the tower work, which opens a
   maintenance window: the radio going dark is planned work, not an outage ticket; ticking the checklist (one item
   failed) raises a fault ticket, resolves the maintenance ticket and closes the window, and the radio still dark
   then is a real outage with its ticket. The printer and phone stand-ins are probed; one going away is seen.
2. Hygiene and recordings: the agent reads apt's state (through APT_CONFIG), a ClamAV database and dpkg's log,
   and the two recording stores; stale signatures, stale patches, a day without extraction and a store behind
   fire alerts, the recording alerts raise tickets, the console and the MIS show it, and a fresh extraction
   resolves the alerts and their tickets.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.health.sweep import HealthSweeper
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.collectors.local_sources import apt_state, clamav_database, dpkg_log, wav
from tests.support import ccis_serve, wait_for

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = """\
categories:
  - {id: noc-power, name: "Outage: power", department: it, promised_hours: 4}
  - {id: noc-link, name: "Outage: radio link", department: it, promised_hours: 4}
  - {id: noc-switch, name: "Outage: switch", department: it, promised_hours: 4}
  - {id: noc-workstation, name: "Outage: workstation", department: it, promised_hours: 8}
  - {id: noc-unknown, name: "Outage: cause unknown", department: it, promised_hours: 4}
  - {id: noc-maintenance, name: Preventive maintenance, department: it, promised_hours: 168, priority: low}
  - {id: noc-maintenance-fault, name: Fault found in maintenance, department: it, promised_hours: 48}
  - {id: noc-recordings, name: Call recordings not kept twice, department: it, promised_hours: 24}
"""
TOWN_INVENTORY = (
    """\
version: 1
city: {{code: KHI, name: Karachi}}
departments: [{{id: it, name: IT and NOC}}]
towns: [{{id: orangi, name: Orangi}}]
"""
    + CATEGORIES.replace("{", "{{").replace("}", "}}")
    + """\
sites:
  - id: town-orangi
    name: Orangi Town Office
    kind: town_office
    town: orangi
    agent_host: orangi-pc-01
    devices:
      - {{id: radio-orangi, kind: radio, address: 127.0.0.1, collect: {{method: tcp, port: {radio}, interval: 1}}}}
      - {{id: orangi-pc-01, kind: workstation, address: 127.0.0.1, collect: {{method: psutil, interval: 2}}}}
      - {{id: orangi-printer, kind: printer, address: 127.0.0.1,
         collect: {{method: tcp, port: {printer}, interval: 1}}}}
      - {{id: orangi-phone, kind: ip_phone, address: 127.0.0.1, collect: {{method: tcp, port: {phone}, interval: 1}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-pc-01]}}}}
"""
)
TOWN_PLANS = """\
version: 1
plans:
  - id: radio-tower
    name: Radio tower maintenance
    every: half_year
    devices: {kind: [radio]}
    checklist:
      - {id: repaint, text: Repaint the tower}
      - {id: power-cable, text: Replace the power cable}
  - id: peripherals
    name: Peripheral check
    every: month
    window: false
    checklist:
      - {id: printer, text: Printer prints a test page}
"""
CALL_CENTRE_INVENTORY = (
    """\
version: 1
city: {{code: KHI, name: Karachi}}
departments: [{{id: it, name: IT and NOC}}]
towns: [{{id: gulshan-e-iqbal, name: Gulshan-e-Iqbal}}]
"""
    + CATEGORIES.replace("{", "{{").replace("}", "}}")
    + """\
sites:
  - id: cc-1339
    name: 1339 Call Centre
    kind: call_centre
    town: gulshan-e-iqbal
    agent_host: cc-1339-rec
    devices:
      - {{id: cc-1339-rec, kind: server, address: 127.0.0.1, name: Call recording server,
         collect: {{method: psutil, interval: 2, hygiene: true,
                   stores: [{{name: primary, path: "{primary}"}}, {{name: archive, path: "{archive}"}}]}}}}
"""
)


class StandIn:
    """A TCP listener on loopback that accepts and hangs up, as a printer's or phone's port answers a probe."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self) -> None:
        """Stop answering: connections are refused from now on."""
        self.sock.close()
        self._thread.join(5)


def server_env(db_url: str, inventory: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "maintenance-e2e-secret-0123456789",
        "CCIS_HEARTBEAT_SECONDS": "1",
        "CCIS_GRACE_HEARTBEATS": "5",
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_HOLD_DOWN_SECONDS": "1",
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
        **extra,
    }


def prepare(env: dict[str, str], site: str, tmp_path: Path, users: list[dict]) -> Path:
    """Migrate, add staff, and write the site's agent token; returns the token file."""
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        token = issue_site_token(s, site)
        for u in users:
            add_user(s, **u)
    rt.engine.dispose()
    token_file = tmp_path / f"{site}.token"
    token_file.write_text(token + "\n")
    return token_file


@contextmanager
def agent(site: str, url: str, token_file: Path, state: Path, log: Path, env: dict[str, str]) -> Iterator[None]:
    cmd = [sys.executable, "-m", "ccis.cli", "agent", "--site", site, "--noc", url, "--token-file", str(token_file)]
    with log.open("wb") as out:
        p = subprocess.Popen(
            [*cmd, "--state-dir", str(state)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)


def client(url: str, user: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=20)
    r = c.post("/api/v1/auth/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return c


def job_ran_after(url: str, job: str, after: float) -> bool:
    """The scheduler's own metric says ``job`` last succeeded after ``after`` (epoch)."""
    text = httpx.get(url + "/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith("ccis_scheduler_job_last_success_timestamp_seconds{") and f'job="{job}"' in line:
            return float(line.rsplit(" ", 1)[1]) > after
    return False


def test_plans_become_tickets_people_work(db_url: str, tmp_path: Path) -> None:
    radio, printer, phone = StandIn(), StandIn(), StandIn()
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(TOWN_INVENTORY.format(radio=radio.port, printer=printer.port, phone=phone.port))
    (tmp_path / "maintenance.yaml").write_text(TOWN_PLANS)
    env = server_env(db_url, inventory, tmp_path)
    token = prepare(
        env,
        "town-orangi",
        tmp_path,
        [
            {"username": "eng.orangi", "password": "engineer pass 1", "role": "engineer", "town": "orangi"},
            {"username": "noc.one", "password": "noc password 1", "role": "noc"},
        ],
    )
    try:
        with ccis_serve(env, tmp_path / "serve-1.log") as url:
            noc = client(url, "noc.one", "noc password 1")
            first = wait_for(
                "the plans' tickets at start-up",
                lambda: len(t := noc.get("/api/v1/maintenance/tickets").json()) == 2 and t,
            )
        restarted_at = datetime.now(UTC).timestamp()
        with ccis_serve(env, tmp_path / "serve-2.log") as url:
            wait_for(
                "the schedule run after the restart", lambda: job_ran_after(url, "maintenance_schedule", restarted_at)
            )
            noc = client(url, "noc.one", "noc password 1")
            again = noc.get("/api/v1/maintenance/tickets").json()
            assert sorted(t["tracking_number"] for t in again) == sorted(t["tracking_number"] for t in first)
            tower = next(t for t in again if t["plan_id"] == "radio-tower")
            peripherals = next(t for t in again if t["plan_id"] == "peripherals")
            assert (tower["assignee"], tower["status"], tower["items_total"]) == ("it-orangi", "assigned", 2)
            queues = {q["id"]: q for q in noc.get("/api/v1/noc/queues").json()}
            assert queues["it-orangi"]["members"] == ["eng.orangi"] and queues["it-orangi"]["open_tickets"] == 2

            with agent("town-orangi", url, token, tmp_path / "agent", tmp_path / "agent.log", {}):

                def devices() -> dict[str, dict]:
                    site = next(s for s in noc.get("/api/v1/noc/state").json()["sites"] if s["id"] == "town-orangi")
                    return {d["id"]: d for d in site["devices"]}

                wait_for("every device up", lambda: all(d["state"] == "up" for d in devices().values()), timeout=90)
                eng = client(url, "eng.orangi", "engineer pass 1")
                started = eng.post(f"/api/v1/maintenance/tickets/{tower['tracking_number']}/start")
                assert started.status_code == 200, started.text
                [window] = eng.get("/api/v1/noc/maintenance", params={"current": True}).json()
                assert (window["subject_id"], window["created_by"]) == ("radio-orangi", "eng.orangi")

                radio.close()  # the crew powers the radio down to change its cables
                masked = wait_for(
                    "the radio's planned outage, under maintenance",
                    lambda: [
                        o
                        for o in noc.get("/api/v1/noc/outages", params={"open": True}).json()
                        if o["subject_id"] == "radio-orangi"
                    ],
                    timeout=60,
                )
                assert all(o["in_maintenance"] for o in masked)
                assert devices()["radio-orangi"]["state"] == "unknown"
                internal = noc.get("/api/v1/complaints", params={"channel": "internal"}).json()
                assert {t["category_id"] for t in internal} == {"noc-maintenance"}  # no outage ticket
                alerts = [a for a in noc.get("/api/v1/alerts").json() if a.get("subject") == "radio-orangi"]
                assert all(a["muted_by"] for a in alerts if a["state"] == "firing")

                items = eng.get(f"/api/v1/maintenance/tickets/{tower['tracking_number']}").json()["items"]
                base = f"/api/v1/maintenance/tickets/{tower['tracking_number']}/items"
                assert eng.post(f"{base}/{items[0]['id']}", json={"result": "done"}).status_code == 200
                done = eng.post(
                    f"{base}/{items[1]['id']}", json={"result": "failed", "note": "Cable burnt at the mast head"}
                ).json()
                assert done["status"] == "resolved" and done["on_time"] is True
                fault = done["items"][1]["fault_tracking"]
                assert eng.get(f"/api/v1/complaints/{fault}").json()["category_id"] == "noc-maintenance-fault"
                assert eng.get("/api/v1/noc/maintenance", params={"current": True}).json() == []

                # the work is over and the radio is still dark: now it is a real outage, with its ticket
                ticket = wait_for(
                    "the radio's outage ticket once the window closed",
                    lambda: [
                        t
                        for t in noc.get("/api/v1/complaints", params={"channel": "internal"}).json()
                        if t["category_id"] not in ("noc-maintenance", "noc-maintenance-fault")
                    ],
                    timeout=60,
                )
                assert ticket[0]["assignee"] == "it-orangi"

                def peripheral(kind: str) -> dict:
                    [site] = noc.get("/api/v1/noc/hygiene", params={"site": "town-orangi"}).json()["sites"]
                    return next(p for p in site["peripherals"] if p["kind"] == kind)

                wait_for(
                    "printer and phone reachable",
                    lambda: peripheral("printer")["reachable"] and peripheral("ip_phone")["reachable"],
                )
                phone.close()
                wait_for("the phone unreachable", lambda: peripheral("ip_phone")["reachable"] is False, timeout=60)
                assert peripheral("printer")["reachable"] is True
                [line] = eng.get(f"/api/v1/maintenance/tickets/{peripherals['tracking_number']}").json()["items"]
                ticked = eng.post(
                    f"/api/v1/maintenance/tickets/{peripherals['tracking_number']}/items/{line['id']}",
                    json={"result": "done"},
                ).json()
                assert ticked["status"] == "resolved" and ticked["items"][0]["ticked_by"] == "eng.orangi"
    finally:
        for s in (radio, printer, phone):
            s.sock.close()


def test_hygiene_and_recordings_raise_alerts_and_tickets(db_url: str, tmp_path: Path) -> None:
    primary, archive = tmp_path / "recordings", tmp_path / "archive"
    wav(primary / "2026" / "12" / "01" / "1339-0001.wav", 30 * 3600)  # the last extraction was 30 h ago
    wav(archive / "2026" / "11" / "30" / "1339-0000.wav", 56 * 3600)  # and the copy stopped a day before that
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(CALL_CENTRE_INVENTORY.format(primary=primary, archive=archive))
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "alert_rules", rules)
    text = (rules / "recordings.yaml").read_text()
    (rules / "recordings.yaml").write_text("defaults: {keep_firing_for: 0s}\n" + text)  # resolve at once
    env = server_env(db_url, inventory, tmp_path, CCIS_ALERT_RULES=str(rules), CCIS_PREVENTIVE_MAINTENANCE="false")
    token = prepare(env, "cc-1339", tmp_path, [{"username": "noc.one", "password": "noc password 1", "role": "noc"}])
    conf = apt_state(tmp_path / "apt", installed={"libdemo1": "1.0"}, offered={"libdemo1": ("1.0+deb12u1", True)})
    agent_env = {
        "APT_CONFIG": str(conf),  # apt-get itself reads this state
        "CCIS_DPKG_LOG": str(dpkg_log(tmp_path / "dpkg.log", datetime.now(UTC) - timedelta(days=40))),
        "CCIS_CLAMAV_DB_DIR": str(
            clamav_database(tmp_path / "clamav" / "daily.cld", datetime.now(UTC) - timedelta(days=10)).parent
        ),
        "CCIS_STORES_SCAN_SECONDS": "1",
    }
    with ccis_serve(env, tmp_path / "serve.log") as url:
        noc = client(url, "noc.one", "noc password 1")
        with agent("cc-1339", url, token, tmp_path / "agent", tmp_path / "agent.log", agent_env):

            def reported() -> dict | None:
                [site] = noc.get("/api/v1/noc/hygiene").json()["sites"]
                [host] = site["hosts"]
                ready = host["os_updates"]["available"] is not None and all(r["available"] for r in site["recordings"])
                return site if ready and host["antivirus"]["available"] is not None else None

            site = wait_for("the host's hygiene and stores reported", reported, timeout=120)
            [host] = site["hosts"]
            assert host["os_updates"]["available"] is True
            assert (host["os_updates"]["pending"], host["os_updates"]["security"]) == (1, 1)
            assert host["os_updates"]["security_names"] == "libdemo1"
            assert host["antivirus"]["version"] == "ClamAV daily.cld version 27430"
            assert 9.9 * 86400 < host["antivirus"]["age_seconds"] < 10.1 * 86400
            disks = host["disk_health"]
            assert disks["available"] is True or disks["reason"].startswith("not available")
            assert host["compliant"] == {"patches": False, "signatures": False}
            stores = {r["store"]: r for r in site["recordings"]}
            assert (stores["primary"]["files"], stores["archive"]["files"]) == (1, 1)
            assert 25.9 * 3600 < stores["archive"]["lag_seconds"] < 26.1 * 3600

            mis = noc.get("/api/v1/reports/maintenance", params={"period": "monthly"}).json()
            [cc] = mis["hygiene_by_site"]
            assert (cc["hosts"], cc["patched"], cc["signatures_current"]) == (1, 0, 0)
            assert (cc["patch_compliance"], cc["signature_compliance"]) == (0.0, 0.0)

            if not hasattr(HealthSweeper, "sample_metrics"):
                pytest.skip("metric alert rules need the sweep to hand them the latest readings (noc-real on main)")

            def firing() -> set[tuple[str, str]]:
                return {
                    (a["rule"], a["labels"].get("store", ""))
                    for a in noc.get("/api/v1/alerts", params={"state": "firing"}).json()
                }

            expected = {
                ("antivirus_signatures_stale", ""),
                ("patches_stale", ""),
                ("recordings_not_extracted", "primary"),
                ("recordings_not_extracted", "archive"),
                ("recording_store_behind", "archive"),
            }
            wait_for("the hygiene and recording alerts", lambda: expected <= firing(), timeout=120)

            def recording_tickets() -> list[dict]:
                return [
                    t
                    for t in noc.get("/api/v1/complaints", params={"channel": "internal"}).json()
                    if t["category_id"] == "noc-recordings"
                ]

            tickets = wait_for("a ticket per recording alert", lambda: len(t := recording_tickets()) == 3 and t)
            assert {t["assignee"] for t in tickets} == {"it-gulshan-e-iqbal"}
            assert {t["status"] for t in tickets} == {"assigned"}

            # the extraction runs again and the copy catches up: the alerts resolve and their tickets with them
            wav(primary / "2026" / "12" / "02" / "1339-0002.wav", 60)
            wav(archive / "2026" / "12" / "02" / "1339-0002.wav", 30)
            wait_for(
                "the recording alerts resolved",
                lambda: not {r for r, _ in firing()} & {"recordings_not_extracted", "recording_store_behind"},
                timeout=90,
            )
            wait_for(
                "their tickets resolved",
                lambda: {t["status"] for t in recording_tickets()} == {"resolved"},
                timeout=60,
            )
