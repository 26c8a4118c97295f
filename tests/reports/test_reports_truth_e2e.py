"""Reports tell the truth, through a real `ccis serve` on SQLite and PostgreSQL: complaints lodged over the HTTP
API, an Orangi outage made by the agent falling silent (it raises an internal NOC ticket), then the MIS JSON, the
/mis page, the MIS PDF, the public service-delivery page and PDF, the slip and the tracking page are read.

Citizen figures leave the internal ticket out (it has its own section: time to restore per town and cause); a
channel nobody observed reads "not monitored", never 0 %; only the channel that was down gets an outage line;
names instead of ids and Karachi time everywhere; a walk-in at a counter that does not exist is a 422."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from pypdf import PdfReader

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.security import SESSION_COOKIE
from noc_api.settings import load_settings
from tests.noc_api.server import Reporter
from tests.noc_api.test_noc_e2e import ORANGI
from tests.support import ccis_serve, wait_for

KHI = ZoneInfo("Asia/Karachi")
PHONE = "0300 1234567"


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_reports_tell_the_truth(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "reports-truth-secret-0123456789",
        "CCIS_HEARTBEAT_SECONDS": "1",
        "CCIS_GRACE_HEARTBEATS": "3",
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_HOLD_DOWN_SECONDS": "1",
        "CCIS_LEADER_LEASE_SECONDS": "2",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
    }
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        token = issue_site_token(s, "town-orangi")
        add_user(s, username="it.orangi", password="it password 123", role="noc")
        add_user(s, username="mehr.mayor", password="mayor password 1", role="mayor_office")
        add_user(s, username="asma.agent", password="agent password 1", role="call_centre_agent", site="cc-1339")
        add_user(s, username="omar.orangi", password="counter password", role="counter_operator", site="town-orangi")
    rt.engine.dispose()

    def staff(url: str, user: str, pw: str) -> httpx.Client:
        c = httpx.Client(base_url=url, timeout=30)
        login = c.post("/api/v1/auth/login", json={"username": user, "password": pw})
        assert login.status_code == 200, login.text
        c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        c.cookies.set(SESSION_COOKIE, login.json()["access_token"])
        return c

    with ccis_serve(env, tmp_path / "serve.log") as url:
        noc = staff(url, "it.orangi", "it password 123")
        mayor = staff(url, "mehr.mayor", "mayor password 1")
        agent = staff(url, "asma.agent", "agent password 1")
        counter = staff(url, "omar.orangi", "counter password")

        # Orangi's agent reports, then falls silent: an outage and its internal ticket; then it comes back.
        town = Reporter(url, token, "town-orangi", ORANGI)
        town.start()
        try:
            wait_for("Orangi heard", lambda: town.sent >= 2 and not noc.get("/api/v1/noc/outages").json())
            town.paused.set()
            wait_for(
                "the internal ticket",
                lambda: noc.get("/api/v1/complaints", params={"channel": "internal", "town": "orangi"}).json(),
            )
            town.paused.clear()
            wait_for("the outage ended", lambda: [o for o in noc.get("/api/v1/noc/outages").json() if o["ended_at"]])
        finally:
            town.stop()

        # Citizens' complaints through the API: a call and a walk-in at Orangi's counter PC.
        call = agent.post(
            "/api/v1/complaints",
            json={
                "channel": "call_centre",
                "category": "garbage",
                "description": "Garbage not lifted for three days near the mosque",
                "citizen_name": "Ayesha Khan",
                "phone": PHONE,
                "town": "orangi",
                "channel_data": {"caller_number": PHONE, "call_ref": "rec-0001"},
            },
        )
        assert call.status_code == 201, call.text
        walk = {
            "channel": "walk_in",
            "category": "water-leakage",
            "description": "Water main leaking outside the school",
            "citizen_name": "Bilal Ahmed",
            "phone": "0301 7654321",
            "town": "orangi",
            "channel_data": {"counter": "town-orangi-pc-01", "operator": "omar.orangi"},
        }
        walk_in = counter.post("/api/v1/complaints", json=walk)
        assert walk_in.status_code == 201, walk_in.text
        # A counter that is no workstation or walk-in channel of the inventory is refused, naming the field.
        bad = counter.post(
            "/api/v1/complaints", json={**walk, "channel_data": {"counter": "orangi-1", "operator": "omar.orangi"}}
        )
        assert bad.status_code == 422, bad.text
        assert "channel_data.counter" in bad.text and "orangi-1" in bad.text

        today = datetime.now(UTC).astimezone(KHI).date().isoformat()
        params = {"period": "daily", "date": today}
        d = mayor.get("/api/v1/reports/mis", params=params).json()

        # Citizen figures: the two complaints, not the NOC's ticket; the IT department is not ranked.
        assert d["overall"]["received"] == 2, d["overall"]
        assert {r["key"] for r in d["by_department"]} == {"solid-waste", "kwsb"}
        assert {r["key"] for r in d["by_channel"]} == {"call_centre", "walk_in"}
        assert "it" not in {r["key"] for r in d["by_department"]}
        assert all(not r["category"].startswith("noc-") for r in d["top_categories"])
        assert {r["name"] for r in d["by_department"]} == {"Solid Waste Management", "Karachi Water and Sewerage Board"}
        assert {r["name"] for r in d["by_town"]} == {"Orangi"}
        # The internal tickets have their own section.
        assert d["internal_tickets"]["received"] == 1
        [restore] = d["restore_times"]
        assert restore["town"] == "orangi" and restore["town_name"] == "Orangi" and restore["outages"] == 1
        assert restore["cause"]
        # Per-counter figures add up to the walk-in channel's.
        ch = {r["channel"]: r for r in d["uptime_throughput"]}
        assert "internal" not in ch  # the NOC's own channel carries no citizen complaints
        walk_ins = sum(r["received"] for r in d["uptime_throughput"] if r["kind"] == "walk_in")
        assert walk_ins == next(r["received"] for r in d["by_channel"] if r["key"] == "walk_in") == 1
        assert ch["walk-in-orangi"]["received"] == 1
        # Observed and unobserved time apart: KW&SB's counter never reported.
        assert ch["walk-in-kwsb"]["uptime_percent"] is None and ch["walk-in-kwsb"]["monitored"] is False
        assert ch["walk-in-orangi"]["monitored"] is True and ch["walk-in-orangi"]["downtime_seconds"] > 0
        # Only the channel that was down gets a line.
        assert len(d["stories"]) == 1 and d["stories"][0].startswith("Orangi walk-in counter was down"), d["stories"]
        assert "about 0 " not in d["stories"][0] and "(unknown)" not in d["stories"][0], d["stories"]

        # The /mis page: names, not monitored in words, the internal section, Karachi time.
        page = mayor.get("/mis", params={"period": "daily", "day": today})
        assert page.status_code == 200, page.text[-2000:]
        html = page.text
        assert "Karachi Water and Sewerage Board" in html and "Solid Waste Management" in html
        assert "IT and NOC" not in html.split('id="internal"')[0]  # ranked departments never show IT
        assert 'id="internal"' in html and "Internal NOC tickets" in html
        assert "not monitored" in html
        assert "UTC" not in html

        # The MIS PDF: the same truth, in words, in Karachi time.
        pdf = _pdf_text(mayor.get("/api/v1/reports/mis", params={**params, "format": "pdf"}).content)
        assert "UTC" not in pdf and "PKT" in pdf
        assert "Orangi" in pdf and "Karachi Water and Sewerage Board" in pdf and "Garbage collection" in pdf
        assert "not monitored" in pdf
        assert "Internal NOC tickets: time to restore per town and cause" in pdf
        assert "down 0 min" not in pdf and "IT and NOC" not in pdf
        assert not re.search(r"\bkwsb\b|\bsolid-waste\b", pdf)

        # The public service-delivery page and PDF.
        month = today[:7]
        public = httpx.get(f"{url}/public/service-delivery", params={"month": month}).text
        assert '<b id="received">2</b>' in public
        assert "Orangi" in public and "Karachi Water and Sewerage Board" in public
        assert ">it<" not in public and "IT and NOC" not in public and ">orangi<" not in public
        assert "not monitored" in public and "0.0 %" not in public
        public_pdf = _pdf_text(httpx.get(f"{url}/public/service-delivery.pdf", params={"month": month}).content)
        assert "UTC" not in public_pdf and "Orangi" in public_pdf and "not monitored" in public_pdf

        # The slip and the tracking page: names and Karachi time.
        tracking = walk_in.json()["tracking_number"]
        slip = _pdf_text(counter.get(f"/api/v1/complaints/{tracking}/slip.pdf").content)
        assert "Orangi" in slip and "Walk-in" in slip and "Karachi Water and Sewerage Board" in slip
        assert "PKT" in slip and "UTC" not in slip and "walk_in" not in slip
        track = httpx.Client(base_url=url, timeout=30)
        form = track.get(f"/track/{tracking}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text[-1500:]
        code = re.search(r"Tracking code:\s*([0-9A-Z]{4}-[0-9A-Z]{4})", slip)  # the citizen types what the slip says
        assert code and code.group(1) == walk_in.json()["access_code"], slip
        data = {"tracking": tracking, "phone": code.group(1), "csrf": csrf.group(1)}
        shown = track.post("/track", data=data, headers={"Origin": url})
        assert shown.status_code == 200, shown.text[-1500:]
        assert "Orangi" in shown.text and "Karachi Water and Sewerage Board" in shown.text
        assert "Water leakage" in shown.text and "UTC" not in shown.text
