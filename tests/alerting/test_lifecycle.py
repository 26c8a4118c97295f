"""Flapping, silences ending, escalation timing and retries, on the real database with a controllable clock."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from complaint_core.adapters.orm import Notification, NotificationAttempt
from noc_api.alerting import service
from noc_api.alerting.models import Alert, AlertHistory
from noc_api.health.model import State
from tests.alerting.conftest import town_snapshot


def _run(world, snap, seconds: int, step: int = 5) -> None:
    for _ in range(seconds // step):
        world.eval(snap)
        world.cycle()
        world.tick(step)


def test_flapping_link_is_one_alert_and_one_notification(world, smtp) -> None:
    inbox, _ = smtp
    down, up = town_snapshot(radio=State.DOWN, outage=True), town_snapshot()
    for _ in range(6):  # down 40 s, up 20 s, six times: shorter than the hold
        _run(world, down, 40)
        _run(world, up, 20)
    with world.sessions() as s:
        alerts = s.scalars(select(Alert).where(Alert.rule == "device_down")).all()
    assert len(alerts) == 1 and alerts[0].flaps >= 4
    assert len(inbox.mails) == 2  # one notice to each receiver, no resolve/re-fire churn
    _run(world, up, 600)
    assert sum(b"[RESOLVED]" in m.content for m in inbox.mails) == 2


def test_alert_firing_when_its_silence_ends_is_notified_then(world, smtp) -> None:
    inbox, _ = smtp
    with world.sessions.begin() as s:
        service.create_silence(
            s,
            matchers=[{"name": "town", "value": "orangi"}, {"name": "alertname", "value": "site_down"}],
            author="noc",
            reason="works at Orangi",
            starts_at=world.now,
            ends_at=world.now + timedelta(minutes=10),
            now=world.now,
        )
    snap = town_snapshot(site_state=State.DOWN)
    _run(world, snap, 300)
    assert inbox.mails == []
    with world.sessions() as s:
        a = s.scalars(select(Alert).where(Alert.rule == "site_down")).one()
        assert a.state == "firing" and a.muted_by and a.muted_by.startswith("silence:")
    _run(world, snap, 400)
    assert len(inbox.mails) == 2 and b"Site town-orangi" in inbox.mails[0].content


def test_maintenance_from_the_snapshot_mutes(world, smtp) -> None:
    inbox, _ = smtp
    snap = town_snapshot(site_state=State.DOWN)
    from noc_api.health.model import SiteHealth

    snap.sites["town-orangi"] = SiteHealth("town-orangi", "orangi", State.UNKNOWN, "under maintenance", world.now)
    snap.devices["town-orangi-pc-00"] = snap.devices["town-orangi-pc-00"].__class__(
        "town-orangi-pc-00", "town-orangi", "orangi", "switch", State.UNKNOWN, "maintenance window", world.now
    )
    _run(world, snap, 120)
    assert inbox.mails == []


def test_unacknowledged_critical_escalates_along_the_chain(world, smtp) -> None:
    inbox, _ = smtp
    snap = town_snapshot(radio=State.DOWN, outage=True)
    _run(world, snap, 60)
    assert {r for m in inbox.mails for r in m.rcpt_tos} == {"network-day@ccis.example", "noc@ccis.example"}
    _run(world, snap, 13 * 60, step=30)
    assert not any("noc-lead@ccis.example" in m.rcpt_tos for m in inbox.mails)  # 15 min not yet reached
    _run(world, snap, 150, step=30)
    lead = [m for m in inbox.mails if "noc-lead@ccis.example" in m.rcpt_tos]
    assert len(lead) == 1 and b"[ESCALATED]" in lead[0].content
    with world.sessions.begin() as s:  # the NOC lead acknowledges: the IT head is never woken
        ids = [a.id for a in s.scalars(select(Alert).where(Alert.state == "firing"))]
        service.acknowledge(s, ids, "noc-lead", world.now, "api")
    _run(world, snap, 60 * 60, step=60)
    assert not any("it-head@ccis.example" in m.rcpt_tos for m in inbox.mails)
    with world.sessions() as s:
        kinds = [h.kind for h in s.scalars(select(AlertHistory).where(AlertHistory.alert_id.in_(ids)))]
    assert "escalation" in kinds and "acknowledged" in kinds


class Peer:
    """A real HTTP server on loopback that fails the first ``fail`` requests with 500, then accepts."""

    def __init__(self, fail: int) -> None:
        self.fail, self.got = fail, []
        peer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                peer.got.append((self.path, self.headers["content-type"], body))
                code = 500 if len(peer.got) <= peer.fail else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"busy" if code == 500 else b"ok")

            def log_message(self, *a) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def peer():
    p = Peer(fail=2)
    p.thread.start()
    try:
        yield p
    finally:
        p.server.shutdown()
        p.server.server_close()


def test_sms_and_webhook_retry_with_backoff_until_the_peer_recovers(world, peer, smtp) -> None:
    routing = world.settings.alert_rules / "routing.yaml"
    text = routing.read_text().replace(
        'eng-day:      {email: [network-day@ccis.example], sms: ["+923001110001"]}',
        f'eng-day:      {{sms: ["+923001110001"], webhook: ["{peer.url}/hook"]}}',
    )
    routing.write_text(text)
    world.settings = world.settings.model_copy(
        update={
            "sms_gateway_url": f"{peer.url}/sms",
            "sms_gateway_template": '{"msisdn": "{{ to }}", "message": "{{ text }}", "sender": "CCIS"}',
        }
    )
    _run(world, town_snapshot(radio=State.DOWN, outage=True), 60)
    _run(world, town_snapshot(radio=State.DOWN, outage=True), 120, step=10)
    with world.sessions() as s:
        notes = s.scalars(select(Notification).where(Notification.medium.in_(["sms", "webhook"]))).all()
        assert {n.medium for n in notes} == {"sms", "webhook"} and all(n.status == "sent" for n in notes)
        attempts = s.scalars(select(NotificationAttempt).order_by(NotificationAttempt.id)).all()
    failed = [a for a in attempts if not a.ok]
    assert len(failed) == 2 and all("HTTP 500" in a.detail for a in failed)
    sms = [json.loads(b) for path, ctype, b in peer.got if path == "/sms"]
    assert sms[-1]["msisdn"] == "+923001110001" and "radio-orangi-dc" in sms[-1]["message"]
    hook = [json.loads(b) for path, _, b in peer.got if path == "/hook"]
    assert hook[-1]["reason"] == "firing" and "town-orangi-pc-03" in hook[-1]["took_down"]
