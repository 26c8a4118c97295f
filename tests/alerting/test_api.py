"""The alert API on both databases: list, detail with history, ack by login and by signed link, silences,
notification log, rules on /healthz, and the /metrics collector checked by promtool."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest

from noc_api.accounts.service import add_user
from noc_api.alerting.cycle import ack_url
from noc_api.alerting.metrics import AlertCollector
from noc_api.app import create_app
from noc_api.health.model import State
from noc_api.notify.metrics import OutboxCollector
from noc_api.security import sign
from tests.alerting.conftest import town_snapshot


@pytest.fixture
def api(world, inventory_path):
    # No scheduler beside the test: its health sweep and jobs would act on the same alerts with the real clock.
    settings = world.settings.model_copy(update={"inventory": inventory_path, "run_scheduler": False})
    with TestClient(create_app(settings)) as c:
        with world.sessions.begin() as s:
            add_user(s, username="eng", password="pw-12345678910", role="engineer", full_name="Engineer")
        token = c.post("/api/v1/auth/login", json={"username": "eng", "password": "pw-12345678910"}).json()
        c.headers["authorization"] = f"Bearer {token['access_token']}"
        yield c


def _fire(world) -> None:
    now = datetime.now(UTC) - timedelta(minutes=2)  # the API stamps real time; evaluate just before it
    world.now = now
    for _ in range(10):
        world.eval(town_snapshot(radio=State.DOWN, outage=True))
        world.cycle()
        world.tick(5)


def test_list_detail_and_ack_by_api(world, api) -> None:
    _fire(world)
    firing = api.get("/api/v1/alerts", params={"state": "firing", "severity": "critical"}).json()
    assert {a["rule"] for a in firing} >= {"device_down", "outage_open"}
    one = firing[0]["id"]
    r = api.post(f"/api/v1/alerts/{one}/ack")
    assert r.status_code == 200 and r.json()["acked_by"] == "eng"
    hist = api.get(f"/api/v1/alerts/{one}").json()["history"]
    assert [h["kind"] for h in hist][-1] == "acknowledged" and hist[-1]["actor"] == "eng"
    assert api.get("/api/v1/alerts/999999").json() == {"detail": "no alert 999999", "status": 404}
    assert TestClient(api.app).get("/api/v1/alerts").status_code == 401
    log = api.get("/api/v1/notifications").json()
    mails = [n for n in log if n["channel"] == "email"]
    assert mails and all(n["status"] == "sent" and n["attempts"][0]["ok"] for n in mails)
    sms = [n for n in log if n["channel"] == "sms"]  # no gateway configured here: kept, retried, the reason logged
    assert (
        sms and sms[0]["status"] == "pending" and "CCIS_SMS_GATEWAY_URL is not set" in sms[0]["attempts"][0]["detail"]
    )


def test_ack_by_signed_link_and_refusals(world, api) -> None:
    _fire(world)
    ids = [a["id"] for a in api.get("/api/v1/alerts", params={"state": "firing"}).json()]
    url = ack_url(world.settings, ids)
    anon = TestClient(api.app)
    token = url.split("token=")[1]
    page = anon.get(url.split("127.0.0.1:8000")[1])  # a mail scanner following the link acknowledges nothing
    assert page.status_code == 200 and "Acknowledge these alerts?" in page.text and "radio-orangi-dc" in page.text
    assert all(a["acked_at"] is None for a in api.get("/api/v1/alerts", params={"state": "firing"}).json())
    r = anon.post("/api/v1/alerts/ack", data={"token": token})
    assert r.status_code == 200 and sorted(r.json()["acknowledged"]) == sorted(ids)
    assert all(a["acked_by"] == "link" for a in api.get("/api/v1/alerts", params={"state": "firing"}).json())
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    r = anon.post("/api/v1/alerts/ack", data={"token": forged})
    assert r.status_code == 403 and r.json()["detail"] == "acknowledgement invalid link"
    assert anon.get("/api/v1/alerts/ack", params={"token": forged}).status_code == 403
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Yesterday(TimestampSigner):  # signs as if 25 h ago: past the routing's 24 h link lifetime
        def get_timestamp(self) -> int:
            return int(time.time()) - 25 * 3600

    secret = world.settings.secret_key.get_secret_value()
    expired = URLSafeTimedSerializer(secret, salt="ccis-alert-ack", signer=Yesterday).dumps({"ids": ids})
    r = anon.get("/api/v1/alerts/ack", params={"token": expired})
    assert r.status_code == 403 and r.json()["detail"] == "acknowledgement link expired"
    assert (
        anon.get("/api/v1/alerts/ack", params={"token": sign(world.settings, "session", {"uid": 1})}).status_code == 403
    )


def test_silences_crud_and_validation(api) -> None:
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = api.post(
        "/api/v1/silences",
        json={"matchers": [{"name": "town", "value": "orangi"}], "reason": "tower work", "ends_at": ends},
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["author"] == "eng"
    assert [s["id"] for s in api.get("/api/v1/silences").json()] == [sid]
    bad = api.post("/api/v1/silences", json={"matchers": [], "reason": "x", "ends_at": ends})
    assert bad.status_code == 422 and "matchers" in bad.json()["detail"]
    past = api.post(
        "/api/v1/silences",
        json={"matchers": [{"name": "a", "value": "b"}], "reason": "x", "ends_at": "2020-01-01T00:00:00Z"},
    )
    assert past.status_code == 400 and past.json()["detail"] == "ends_at must be after starts_at"
    assert api.delete(f"/api/v1/silences/{sid}").status_code == 200
    assert api.get("/api/v1/silences").json() == []
    assert len(api.get("/api/v1/silences", params={"include_expired": True}).json()) == 1


def test_healthz_shows_rule_problems_without_failing(world, api) -> None:
    # /healthz keeps what it read of the rule files until one of them changes: asked first, then a file is added.
    assert not any("broken.yaml" in p for p in api.get("/healthz").json()["rules"]["problems"])
    broken = world.settings.alert_rules / "broken.yaml"
    broken.write_text("rules:\n  - name: x\n    select: {metric: nope}\n")
    body = api.get("/healthz").json()
    files = [f for f in world.settings.alert_rules.glob("*.yaml") if f.name not in ("routing.yaml", "broken.yaml")]
    shipped = sum(f.read_text().count("\n  - name: ") for f in files)
    assert body["status"] == "ok" and body["rules"]["rules"] == shipped
    assert any("broken.yaml:3:" in p for p in body["rules"]["problems"])
    assert api.get("/api/v1/alerts/rules").json()["problems"] == body["rules"]["problems"]
    broken.write_text("rules: []\n")  # changed in place: the same name, another problem
    problems = [p for p in api.get("/healthz").json()["rules"]["problems"] if "broken.yaml" in p]
    assert problems and not any("broken.yaml:3:" in p for p in problems), problems
    broken.unlink()
    assert not any("broken.yaml" in p for p in api.get("/healthz").json()["rules"]["problems"])


def test_metrics_collector_passes_promtool(world) -> None:
    _fire(world)
    registry = world.registry  # the delivery job's counters are there already
    registry.register(AlertCollector(world.sessions))
    registry.register(OutboxCollector(world.sessions))
    text = generate_latest(registry)
    assert registry.get_sample_value("ccis_alerts", {"state": "firing", "severity": "critical"}) >= 2
    sent = {"source": "alert", "medium": "email", "outcome": "sent"}
    assert registry.get_sample_value("ccis_notifications_total", sent) >= 2
    # no SMS gateway here: the SMS notices wait for a retry, and say so
    assert registry.get_sample_value("ccis_notifications_total", {**sent, "medium": "sms", "outcome": "retry"}) >= 1
    assert registry.get_sample_value("ccis_notifications_pending", {"source": "alert", "medium": "sms"}) >= 1
    proc = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
