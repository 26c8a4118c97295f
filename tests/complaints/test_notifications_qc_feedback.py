"""SMS and email through real loopback peers via the outbox; QC sampling; feedback links; subscriptions."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from complaint_core.adapters.orm import Notification, NotificationAttempt
from tests.complaints.conftest import Env, make_env
from tests.complaints.peers import sms_gateway, smtp_server


@pytest.fixture
def peers_env(db_url: str, inventory_path: Path, tmp_path: Path) -> Iterator[tuple[Env, list, object]]:
    with sms_gateway() as (url, sms), smtp_server() as (port, inbox):
        yield from (
            (e, sms, inbox)
            for e in make_env(
                db_url,
                inventory_path,
                tmp_path,
                sms_gateway_url=url,
                smtp_host="127.0.0.1",
                smtp_port=port,
                qc_sample_rate=0.5,
                run_scheduler=False,  # these tests run the delivery job by hand, with their own clock
            )
        )


def _deliver(env: Env, now: datetime | None = None):
    """One run of the server's delivery job."""
    return env.app.state.runtime.delivery.run(now or datetime.now(UTC) + timedelta(seconds=1))


def test_sms_and_email_at_registration_and_resolution(peers_env) -> None:
    env, sms, inbox = peers_env
    sub = {
        "medium": "email",
        "address": "ward-watch@example.pk",
        "event": "new",
        "town": "orangi",
        "ward": "Orangi UC-1",
    }
    made = env.client.post("/api/v1/public/subscriptions", json=sub)
    assert made.status_code == 201 and made.json()["confirmed"] is False  # anyone can type any address...
    env.register(ward="Orangi UC-1", description="before the owner confirmed")
    _deliver(env)
    to_watch = [_text(raw) for _, tos, raw in inbox.messages if tos == ["ward-watch@example.pk"]]
    assert len(to_watch) == 1 and "confirm" in to_watch[0]  # ...so the address only hears the question
    token = re.search(r"/subscriptions/confirm\?t=(\S+)", to_watch[0]).group(1)
    confirm = "/api/v1/public/subscriptions/confirm"
    assert env.client.post(confirm, json={"token": token[:-3] + "abc"}).status_code == 400  # forged
    assert env.client.post(confirm, json={"token": token}).json() == {"confirmed": True}
    sms.clear()
    inbox.mails.clear()
    c = env.register(email="ayesha@example.pk", ward="Orangi UC-1", description='He said "soon" - it wasn\'t')
    run = _deliver(env)
    assert (run.sent, run.retried, run.failed) == (3, 0, 0)
    assert sms == [{"to": "+923001234567", "text": sms[0]["text"]}]
    assert c["tracking_number"] in sms[0]["text"] and "Garbage collection" in sms[0]["text"]
    due = datetime.fromisoformat(c["due_at"]).astimezone(ZoneInfo("Asia/Karachi"))  # the citizen's clock, not UTC
    assert f"{due:%d %b %Y %H:%M} PKT" in sms[0]["text"]
    # The SMS carries the tracking code the registration answered with, and that code is what tracks it.
    sent_code = re.search(r"code ([0-9A-Z]{4}-[0-9A-Z]{4})", sms[0]["text"]).group(1)
    assert sent_code == c["access_code"]
    public = f"/api/v1/public/complaints/{c['tracking_number']}"
    assert env.client.get(public, params={"code": sent_code}).json()["status"] == "registered"
    assert env.client.get(public, params={"code": "0000-0000"}).status_code == 404
    rcpts = sorted(r for _, tos, _ in inbox.messages for r in tos)
    assert rcpts == ["ayesha@example.pk", "ward-watch@example.pk"]
    assert any(c["tracking_number"] in body for _, _, body in inbox.messages)
    watch = [body for _, tos, body in inbox.messages if tos == ["ward-watch@example.pk"]]
    assert watch and "Orangi UC-1" in watch[0] and "soon" not in watch[0]  # never the citizen's own words
    t = c["tracking_number"]
    staff_sub = {"medium": "email", "address": "thead@city.test", "event": "resolved", "town": "orangi"}
    made = env.client.post("/api/v1/subscriptions", json=staff_sub, headers=env.h("thead"))
    assert made.status_code == 201 and made.json()["confirmed"] is False  # staff type addresses too: asked first
    lyari = {**staff_sub, "town": "lyari"}
    assert env.client.post("/api/v1/subscriptions", json=lyari, headers=env.h("thead")).status_code == 403
    _deliver(env)
    ask = [_text(raw) for _, tos, raw in inbox.messages if tos == ["thead@city.test"]]
    assert len(ask) == 1 and "confirm" in ask[0]
    token = re.search(r"/subscriptions/confirm\?t=(\S+)", ask[0]).group(1)
    assert env.client.post(confirm, json={"token": token}).json() == {"confirmed": True}
    env.ok("gro", t, "assign", assignee="lme")
    env.ok("lme", t, "start")
    env.ok("lme", t, "resolve", note="lifted")
    _deliver(env)
    assert "resolved" in sms[-1]["text"] and f"/track/{t}" in sms[-1]["text"]
    resolved_mail = [tos for _, tos, body in inbox.messages if f"{t} was resolved" in body]
    assert resolved_mail == [["thead@city.test"]]
    assert _deliver(env).sent == 0  # nothing sent twice


def test_dead_gateway_never_blocks_or_loses_a_registration(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/send"
    for env in make_env(db_url, inventory_path, tmp_path, sms_gateway_url=dead, run_scheduler=False):
        t = env.register()["tracking_number"]
        now = datetime.now(UTC)
        first = _deliver(env, now)
        assert (first.sent, first.retried) == (0, 1)
        assert _deliver(env, now + timedelta(seconds=5)).retried == 0  # backoff: not yet
        max_attempts = env.app.state.runtime.settings.notify_max_attempts
        for i in range(1, max_attempts):
            _deliver(env, now + timedelta(hours=i))
        with env.sessions()() as s:
            note = s.execute(select(Notification)).scalar_one()
            attempts = s.execute(select(NotificationAttempt)).scalars().all()
        assert note.status == "failed" and note.attempts == max_attempts and "Connection refused" in note.last_error
        assert len(attempts) == max_attempts and not any(a.ok for a in attempts)
        assert env.client.get(f"/api/v1/complaints/{t}", headers=env.h("agent")).status_code == 200


def test_qc_sampling_queue_verify_reopen_and_feedback(peers_env) -> None:
    env, sms, _ = peers_env
    resolved = []
    for i in range(12):
        t = env.register(phone=f"0300 12345{i:02d}", category="garbage")["tracking_number"]
        env.ok("admin", t, "assign", assignee="lme")
        env.ok("lme", t, "start")
        resolved.append((t, env.ok("lme", t, "resolve", note="done")["event"]["data"].get("qc_required", False)))
    high = env.register(category="sewerage", phone="0300 1111111")["tracking_number"]  # high priority: always QC
    for step in ("assign", "start", "resolve"):
        env.ok("admin", high, step, assignee="lme-kwsb")
    queue = {c["tracking_number"] for c in env.client.get("/api/v1/complaints/qc-queue", headers=env.h("qc")).json()}
    sampled = {t for t, q in resolved if q}
    assert queue == sampled | {high} and 0 < len(sampled) < 12
    assert env.client.get("/api/v1/complaints/qc-queue", headers=env.h("lme")).status_code == 403
    unsampled = next(t for t, q in resolved if not q)
    env.ok("gro", unsampled, "close")
    r = env.act("gro-kwsb", high, "close")
    assert r.status_code == 409 and "verify" in r.json()["detail"]
    env.ok("qc", high, "reopen", note="Citizen: 'the sewage is still on the street'")
    assert env.client.get(f"/api/v1/complaints/{high}", headers=env.h("qc")).json()["status"] == "reopened"
    ok = next(iter(sampled))
    env.ok("qc", ok, "verify", note="citizen satisfied")
    # Feedback by the signed link (as sent by SMS), then a poor rating by the whole phone number opens an appeal.
    link = env.client.post(f"/api/v1/complaints/{ok}/feedback-link", headers=env.h("qc")).json()
    r = env.client.post(f"/api/v1/public/complaints/{ok}/feedback", json={"rating": 5, "token": link["token"]})
    assert r.status_code == 200 and r.json() == {"tracking_number": ok, "rating": 5, "appeal": False}
    r = env.client.post(f"/api/v1/public/complaints/{unsampled}/feedback", json={"rating": 5, "token": link["token"]})
    assert r.status_code == 422 and "another complaint" in r.json()["detail"]
    r = env.client.post(f"/api/v1/public/complaints/{ok}/feedback", json={"rating": 5, "token": link["token"] + "x"})
    assert r.status_code == 422 and "invalid link" in r.json()["detail"]
    phone = env.client.get(f"/api/v1/complaints/{unsampled}", headers=env.h("admin")).json()["phone"]
    r = env.client.post(
        f"/api/v1/public/complaints/{unsampled}/feedback",
        json={"rating": 1, "comment": "they only moved it", "phone": phone},
    )
    assert r.json()["appeal"] is True
    hist = env.client.get(f"/api/v1/complaints/{unsampled}", headers=env.h("admin")).json()["history"]
    assert [h["action"] for h in hist][-2:] == ["feedback", "appeal"]
    r = env.client.post(f"/api/v1/public/complaints/{high}/feedback", json={"rating": 9, "phone": "0300 1111111"})
    assert r.status_code == 422


def _text(raw: str) -> str:
    """A mail's text, decoded from whatever transfer encoding it was sent in."""
    msg = email.message_from_string(raw, policy=email.policy.default)
    part = msg.get_body(("plain",)) if msg.is_multipart() else msg
    return part.get_content() if part is not None else raw
