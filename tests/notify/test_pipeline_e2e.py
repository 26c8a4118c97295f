"""One pipeline end to end, through a real `ccis serve`: a complaint's SMS and an outage's alert SMS wait in the one
outbox while the SMS gateway (a real HTTP server) fails, both are delivered exactly once when it recovers, every
attempt is recorded, and /metrics counts them by source, medium and outcome (promtool-clean). Both databases."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.alerting.conftest import smtp  # noqa: F401  (the real aiosmtpd fixture)
from tests.complaints.conftest import complaint_body
from tests.noc_api.server import Reporter
from tests.noc_api.test_noc_e2e import ORANGI
from tests.notify.peers import gateway
from tests.support import ROOT, ccis_serve, wait_for

PASSWORD = "pipeline password 123"


def _rules(tmp: Path) -> Path:
    """The shipped rules, retrying alert notices every second or two instead of 5 s .. 10 min."""
    d = tmp / "alert_rules"
    shutil.copytree(ROOT / "alert_rules", d)
    routing = d / "routing.yaml"
    routing.write_text(
        routing.read_text().replace(
            "  ack_link_hours: 24\n", "  ack_link_hours: 24\n  retry_base: 1s\n  retry_cap: 2s\n"
        )
    )
    return d


def _login(url: str, user: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=10)
    token = c.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD}).json()["access_token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _samples(text: str, name: str) -> dict[tuple[str, ...], float]:
    """Samples of ``name`` by (source, medium[, outcome])."""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name:
                out[tuple(s.labels[k] for k in ("source", "medium", "outcome") if k in s.labels)] = s.value
    return out


def test_failing_then_recovering_gateway_delivers_alert_and_complaint_once(
    db_url: str,
    inventory_path: Path,
    tmp_path: Path,
    smtp,  # noqa: F811
) -> None:
    inbox, smtp_port = smtp
    with gateway(up=False) as gw:
        env = {
            "CCIS_DATABASE_URL": db_url,
            "CCIS_INVENTORY": str(inventory_path),
            "CCIS_ALERT_RULES": str(_rules(tmp_path)),
            "CCIS_ENV": "test",
            "CCIS_SECRET_KEY": "pipeline-e2e-secret-0123456789",
            "CCIS_HEARTBEAT_SECONDS": "1",
            "CCIS_GRACE_HEARTBEATS": "3",
            "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
            "CCIS_LEADER_LEASE_SECONDS": "2",
            "CCIS_PREVENTIVE_MAINTENANCE": "false",
            "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
            "CCIS_SMTP_HOST": "127.0.0.1",
            "CCIS_SMTP_PORT": str(smtp_port),
            "CCIS_SMS_GATEWAY_URL": gw.url + "/sms",
            "CCIS_NOTIFY_INTERVAL_SECONDS": "0.5",
            "CCIS_NOTIFY_RETRY_BASE_SECONDS": "1",
            "CCIS_NOTIFY_RETRY_CAP_SECONDS": "2",
            "CCIS_NOTIFY_MAX_ATTEMPTS": "100",
        }
        rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
        with rt.sessions.begin() as s:
            token = issue_site_token(s, "town-orangi")
            add_user(s, username="desk", password=PASSWORD, role="call_centre_agent")
            add_user(s, username="admin", password=PASSWORD, role="administrator")
            add_user(s, username="noc", password=PASSWORD, role="noc")
        rt.engine.dispose()

        with ccis_serve(env, tmp_path / "serve.log") as url:
            admin, desk = _login(url, "admin"), _login(url, "desk")

            def log(source: str, medium: str = "sms") -> list[dict]:
                r = admin.get("/api/v1/notifications", params={"source": source})
                assert r.status_code == 200, r.text
                return [n for n in r.json() if n["channel"] == medium]

            town = Reporter(url, token, "town-orangi", ORANGI)
            town.start()
            try:
                wait_for("Orangi reporting", lambda: town.sent)
                r = desk.post("/api/v1/complaints", json=complaint_body())
                assert r.status_code == 201, r.text
                tracking = r.json()["tracking_number"]
            finally:
                town.stop()  # the agent falls silent: the site goes down, the outage is alerted
            # Both sources' SMS reach the failing gateway and wait in the outbox, each failure recorded.
            wait_for(
                "a refused SMS of each source",
                lambda: (
                    any(tracking in b["text"] for b in gw.refused())
                    and any("town-orangi" in b["text"] for b in gw.refused())
                ),
            )
            assert all(n["status"] == "pending" for n in log("alert") + log("complaint"))
            noc = _login(url, "noc")  # the NOC reads the alert log; citizens' contacts are for administrators
            assert noc.get("/api/v1/notifications").status_code == 200
            refused = noc.get("/api/v1/notifications", params={"source": "complaint"})
            assert refused.status_code == 403 and "administrators" in refused.json()["detail"]
            assert desk.get("/api/v1/notifications").status_code == 403
            gw.up = True
            wait_for(
                "every SMS sent",
                lambda: (sms := log("alert") + log("complaint")) and all(n["status"] == "sent" for n in sms),
            )
            alerts, complaints = log("alert"), log("complaint")
            mails = wait_for("the alert mail sent", lambda: [n for n in log("alert", "email") if n["status"] == "sent"])
            metrics = httpx.get(url + "/metrics", timeout=10).text
            later = log("alert")  # a notice queued meanwhile (the outage goes on) is counted by then, or not yet

    # Exactly once each: one accepted request per message, never two for the same text.
    accepted = Counter((b["to"], b["text"]) for b in gw.accepted())
    assert set(accepted.values()) == {1}
    assert len(alerts) + len(complaints) <= len(accepted) <= len(later) + len(complaints)
    assert len(complaints) == 1 and any(tracking in text for _, text in accepted)
    for n in alerts + complaints:  # every attempt recorded: the refusals, then the one that went through
        tries = n["attempts"]
        assert tries[-1]["ok"] and all(not t["ok"] and "HTTP 500" in t["detail"] for t in tries[:-1]), n
    assert all(len(n["attempts"]) >= 2 for n in complaints) and any(len(n["attempts"]) >= 2 for n in alerts)
    assert len(inbox.mails) >= len(mails)

    counted = _samples(metrics, "ccis_notifications_total")
    assert counted[("complaint", "sms", "sent")] == 1
    assert counted[("complaint", "sms", "retry")] == len(complaints[0]["attempts"]) - 1
    assert len(alerts) <= counted[("alert", "sms", "sent")] <= len(later)
    assert counted[("alert", "sms", "retry")] == sum(len(n["attempts"]) - 1 for n in alerts)
    assert counted[("alert", "email", "sent")] >= 1 and counted[("complaint", "sms", "failed")] == 0
    pending = {k[:2]: v for k, v in _samples(metrics, "ccis_notifications_pending").items()}
    assert pending[("complaint", "sms")] == 0 and pending[("alert", "sms")] <= len(later) - len(alerts)
    lint = subprocess.run(["promtool", "check", "metrics"], input=metrics.encode(), capture_output=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr
