"""End to end with a real `ccis serve`: a town's agent falls silent -> one internal ticket in that town's IT queue,
and the shipped alert rules fire and mail the on-call engineer once (a real SMTP server); a restart mid-outage adds
no ticket; the agent comes back -> the ticket is resolved with the duration; the site failing again soon after
reopens the same ticket. SQLite and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.alerting.conftest import smtp  # noqa: F401  (the real aiosmtpd fixture)
from tests.noc_api.server import Reporter
from tests.noc_api.test_noc_e2e import ORANGI
from tests.support import ccis_serve, wait_for


def test_silent_town_raises_one_ticket_that_is_resolved_on_recovery(
    db_url: str,
    inventory_path: Path,
    tmp_path: Path,
    smtp,  # noqa: F811
) -> None:
    inbox, smtp_port = smtp
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "tickets-e2e-secret-0123456789",
        "CCIS_HEARTBEAT_SECONDS": "1",
        "CCIS_GRACE_HEARTBEATS": "3",
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_HOLD_DOWN_SECONDS": "1",
        "CCIS_LEADER_LEASE_SECONDS": "2",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
        "CCIS_SMTP_HOST": "127.0.0.1",
        "CCIS_SMTP_PORT": str(smtp_port),
        "CCIS_NOTIFY_INTERVAL_SECONDS": "0.5",
    }
    settings = load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()})
    rt = build(settings)
    with rt.sessions.begin() as s:
        token = issue_site_token(s, "town-orangi")
        add_user(s, username="it.orangi", password="it password 123", role="noc")
    rt.engine.dispose()

    def staff(url: str) -> httpx.Client:
        c = httpx.Client(base_url=url, timeout=10)
        login = c.post("/api/v1/auth/login", json={"username": "it.orangi", "password": "it password 123"})
        c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        return c

    def tickets(c: httpx.Client) -> list[dict]:
        return c.get("/api/v1/complaints", params={"channel": "internal", "town": "orangi"}).json()

    with ccis_serve(env, tmp_path / "serve-1.log") as url:
        c = staff(url)
        town = Reporter(url, token, "town-orangi", ORANGI)
        town.start()
        wait_for("Orangi up", lambda: c.get("/api/v1/noc/outages", params={"open": True}).json() == [] and town.sent)
        assert tickets(c) == []
        town.stop()  # the agent falls silent
        [t] = wait_for("one ticket", lambda: tickets(c))
        assert t["town_id"] == "orangi" and t["department_id"] == "it" and t["status"] == "assigned"
        outage_ids = [o["id"] for o in c.get("/api/v1/noc/outages", params={"open": True}).json()]
        assert len(outage_ids) == 1
        # The shipped rules fire on it, and the engineer hears once (one notification for the site's outage).
        firing = wait_for(
            "a firing alert", lambda: c.get("/api/v1/alerts", params={"state": "firing", "site": "town-orangi"}).json()
        )
        assert "outage_open" in {a["rule"] for a in firing}
        mails = wait_for("the outage mail", lambda: [m for m in inbox.mails if b"town-orangi" in m.content])
        time.sleep(2)  # nothing more arrives for the same outage
        assert len({m.content.split(b"Subject:")[1].split(b"\n")[0] for m in inbox.mails}) == 1, mails
    # The server restarts while the outage goes on.
    with ccis_serve(env, tmp_path / "serve-2.log") as url:
        c = staff(url)
        wait_for("the sweeps resumed", lambda: c.get("/api/v1/noc/outages", params={"open": True}).json())
        assert [x["tracking_number"] for x in tickets(c)] == [t["tracking_number"]]
        town = Reporter(url, token, "town-orangi", ORANGI)
        town.start()  # the agent comes back
        try:
            resolved = wait_for("the ticket resolved", lambda: [x for x in tickets(c) if x["status"] == "resolved"])
            detail = c.get(f"/api/v1/complaints/{resolved[0]['tracking_number']}").json()
            note = next(e["note"] for e in reversed(detail["history"]) if e["action"] == "resolve")
            outage = next(o for o in c.get("/api/v1/noc/outages").json() if o["id"] == outage_ids[0])
            assert f"Outage #{outage_ids[0]} ended" in note and f"after {outage['duration']};" in note
            assert "cause" in note
            # It fails again soon after: the same ticket is reopened, no second ticket.
            town.stop()
            wait_for("the ticket reopened", lambda: [x for x in tickets(c) if x["status"] == "reopened"])
            assert len(tickets(c)) == 1
        finally:
            town.stop()
