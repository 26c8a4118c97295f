"""The intake webhooks and the IVR in the app, on both databases: signatures, replays, a whole conversation with
its replies in the outbox, STATUS and rating, WhatsApp locations, chatbot users, and the IVR's digits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaint_core.adapters.orm import ComplaintRow, Feedback, Notification
from noc_api.intake.signature import sign
from tests.complaints.conftest import Env, make_env

SECRETS = {"sms": "sms-secret", "whatsapp": "wa-secret", "chatbot": "bot-secret", "ivr": "ivr-secret"}


@pytest.fixture
def lines(db_url: str, inventory_path: Path, tmp_path: Path) -> Iterator[Env]:
    yield from make_env(
        db_url,
        inventory_path,
        tmp_path,
        run_scheduler=False,
        **{f"intake_{k}_secret": v for k, v in SECRETS.items()},
    )


class Line:
    """A provider posting signed messages for one sender, with fresh message ids."""

    def __init__(self, env: Env, provider: str, sender: str) -> None:
        self.env, self.provider, self.sender, self.n = env, provider, sender, 0

    def post(self, body: dict, secret: str | None = None):
        raw = json.dumps(body).encode()
        headers = {"X-CCIS-Signature": sign(secret or SECRETS[self.provider], raw)}
        return self.env.client.post(f"/api/v1/intake/{self.provider}", content=raw, headers=headers)

    def say(self, text: str, **extra: object) -> dict:
        self.n += 1
        r = self.post({"message_id": f"{self.sender}-{self.n}", "from": self.sender, "text": text, **extra})
        assert r.status_code == 200, r.text
        return r.json()


def _replies(env: Env, to: str) -> list[tuple[str, str, str]]:
    with env.sessions()() as s:
        stmt = select(Notification).where(Notification.to == to).order_by(Notification.id)
        return [(n.medium, n.reason, n.body) for n in s.execute(stmt).scalars()]


def test_signature_is_checked_and_a_line_without_secret_is_closed(
    db_url: str, inventory_path: Path, tmp_path: Path
) -> None:
    for env in make_env(db_url, inventory_path, tmp_path, run_scheduler=False, intake_sms_secret="s3cret"):
        sms = Line(env, "sms", "+923001234567")
        body = {"message_id": "a1", "from": sms.sender, "text": "hi"}
        assert sms.post(body, secret="wrong").status_code == 401
        raw = json.dumps(body).encode()
        assert env.client.post("/api/v1/intake/sms", content=raw).status_code == 401  # no header
        tampered = raw.replace(b"hi", b"yo")
        r = env.client.post("/api/v1/intake/sms", content=tampered, headers={"X-CCIS-Signature": sign("s3cret", raw)})
        assert r.status_code == 401 and "X-CCIS-Signature" in r.json()["detail"]
        assert sms.post(body, secret="s3cret").status_code == 200
        r = Line(env, "whatsapp", "+923001234567").post(body, secret="")
        assert r.status_code == 404 and "CCIS_INTAKE_WHATSAPP_SECRET is not set" in r.json()["detail"]
        assert env.client.post("/api/v1/intake/telegram", content=raw).status_code == 404
        bad = json.dumps({"from": sms.sender}).encode()
        r = env.client.post("/api/v1/intake/sms", content=bad, headers={"X-CCIS-Signature": sign("s3cret", bad)})
        assert r.status_code == 422 and "message_id" in r.json()["detail"]
        with env.sessions()() as s:
            assert s.execute(select(func.count()).select_from(Notification)).scalar_one() == 1


def test_sms_conversation_registers_answers_status_and_takes_a_rating(lines: Env) -> None:
    sms = Line(lines, "sms", "0300 1234567")
    assert sms.say("hi")["conversation"] == "category"
    assert sms.say("garbage")["conversation"] == "location"
    assert sms.say("Orangi UC-1")["conversation"] == "description"
    done = sms.say("Garbage not lifted near the mosque for three days")
    tracking = done["tracking_number"]
    assert done["conversation"] == "idle" and tracking.startswith("KHI-")
    detail = lines.client.get(f"/api/v1/complaints/{tracking}", headers=lines.h("admin")).json()
    assert (detail["channel"], detail["category_id"], detail["town_id"], detail["ward"]) == (
        "sms",
        "garbage",
        "orangi",
        "Orangi UC-1",
    )
    assert detail["phone"] == "+923001234567" and detail["channel_data"]["message_ref"] == "0300 1234567-4"
    replies = _replies(lines, "0300 1234567")
    assert [r[1] for r in replies] == ["intake_reply"] * 3  # the registration SMS goes to the E.164 number
    assert [r[1] for r in _replies(lines, "+923001234567")] == ["registered"]

    status = sms.say(f"STATUS {tracking.lower()}")
    assert status["conversation"] == "idle"
    assert "Registered with the department responsible. Promised by" in _replies(lines, "0300 1234567")[-1][2]
    for action, extra in (("assign", {"assignee": "lme"}), ("start", {}), ("resolve", {})):
        lines.ok("admin", tracking, action, **extra)
    assert sms.say(f"status {tracking}")["conversation"] == "rating"
    assert _replies(lines, "0300 1234567")[-1][2].endswith("Reply 1 to 5 to rate how it was resolved.")
    assert sms.say("2 still smells")["conversation"] == "idle"
    assert "rating 2/5" in _replies(lines, "0300 1234567")[-1][2]
    with lines.sessions()() as s:
        fb = s.execute(select(Feedback)).scalar_one()
        assert (fb.rating, fb.comment, fb.via, fb.appeal) == (2, "still smells", "sms", True)
    # Another phone may ask the status but not rate.
    other = Line(lines, "sms", "+923009999999")
    other.say(f"RATE {tracking} 5")
    assert "Only the phone that lodged" in _replies(lines, "+923009999999")[-1][2]


def test_a_redelivered_message_changes_nothing(lines: Env) -> None:
    wa = Line(lines, "whatsapp", "+923331112223")
    wa.say("water leakage")
    wa.say("Lyari")
    body = {"message_id": "wamid.42", "from": wa.sender, "text": "Pipe burst in the street, water everywhere"}
    first = wa.post(body).json()
    again = wa.post(body).json()
    assert first["status"] == "accepted" and first["tracking_number"]
    assert again == {"status": "duplicate", "conversation": None, "tracking_number": None}
    with lines.sessions()() as s:
        assert s.execute(select(func.count()).select_from(ComplaintRow)).scalar_one() == 1
    replies = _replies(lines, wa.sender)
    # Two questions, the registration SMS (queued as it registers), then the answer on WhatsApp.
    assert [m for m, _, _ in replies] == ["whatsapp", "whatsapp", "sms", "whatsapp"]
    assert first["tracking_number"] in replies[3][2]


def test_whatsapp_location_and_chatbot_user_without_phone(lines: Env) -> None:
    wa = Line(lines, "whatsapp", "+923451234567")
    wa.say("Garbage burning next to the park")
    assert wa.say("", location={"lat": 24.955, "lon": 67.0})["conversation"] == "description"
    t = wa.say("Thick smoke every evening")["tracking_number"]
    d = lines.client.get(f"/api/v1/complaints/{t}", headers=lines.h("admin")).json()
    assert (d["category_id"], d["town_id"], d["channel"]) == ("garbage-burning", "orangi", "chatbot")
    assert d["channel_data"]["provider"] == "whatsapp"

    bot = Line(lines, "chatbot", "web-session-7f3a")
    bot.say("hello")
    bot.say("2")
    bot.say("Lyari")
    t2 = bot.say("Broken pipe", name="Sana")["tracking_number"]
    d2 = lines.client.get(f"/api/v1/complaints/{t2}", headers=lines.h("admin")).json()
    assert d2["phone"] is None and d2["citizen_name"] == "Sana" and d2["channel_data"]["conversation_ref"]
    assert [m for m, _, _ in _replies(lines, "web-session-7f3a")] == ["chatbot"] * 4


def test_ivr_answers_text_and_digits(lines: Env) -> None:
    sms = Line(lines, "sms", "+923001230000")
    for text in ("hi", "garbage", "Orangi", "Heap of garbage by the road"):
        done = sms.say(text)
    tracking = done["tracking_number"]

    def ask(digits: str, secret: str = SECRETS["ivr"]):
        raw = json.dumps({"digits": digits, "call_id": "pbx-1"}).encode()
        return lines.client.post(
            "/api/v1/intake/ivr/status", content=raw, headers={"X-CCIS-Signature": sign(secret, raw)}
        )

    keyed = tracking.split("-", 1)[1].replace("-", "")  # KHI-2026-0000001 -> 20260000001
    r = ask(keyed).json()
    assert r["found"] and r["tracking_number"] == tracking and r["status_digit"] == "1"
    assert len(r["promised_digits"]) == 8 and r["promised_digits"] == r["promised_date"].replace("-", "")
    assert r["text"].startswith(f"Complaint {tracking}: Registered") and "Promised by" in r["text"]
    lines.ok("admin", tracking, "assign", assignee="lme")
    assert ask(keyed).json()["status_digit"] == "2"
    missing = ask("20269999999").json()
    assert missing["found"] is False and missing["status_digit"] == "0" and "No complaint" in missing["text"]
    assert ask(keyed, secret="guess").status_code == 401
