"""Issue 18's day at the desk as ONE run against a real `ccis serve`, on SQLite and PostgreSQL: users made with
`ccis users add`, complaints through every channel, a re-mark, an escalation worked to resolution, a QC call-back,
a reopening after closure, ratings and appeals, and the fortnightly QC report; SMS reach a real HTTP gateway
stand-in and mail a real aiosmtpd, both on loopback, through the server's own notification job."""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from tests.complaints.peers import sms_gateway, smtp_server
from tests.support import CCIS, ROOT, ccis_serve, wait_for

PASSWORD = "a long enough password"
KHI = ZoneInfo("Asia/Karachi")
# username -> ccis users add options (the desk of the day)
USERS = {
    "agent.1339": ["--role", "call_centre_agent", "--site", "cc-1339"],
    "supervisor.1339": ["--role", "call_centre_supervisor", "--site", "cc-1339"],
    "counter.kwsb": ["--role", "counter_operator", "--site", "kwsb"],
    "gro.sw": ["--role", "gro", "--department", "solid-waste", "--email", "gro.sw@city.test"],
    "lme.sw": ["--role", "lme", "--department", "solid-waste", "--town", "orangi", "--phone", "0300 7000001"],
    "gro.kwsb": ["--role", "gro", "--department", "kwsb", "--email", "gro.kwsb@city.test"],
    "lme.kwsb": ["--role", "lme", "--department", "kwsb", "--phone", "0300 7000002"],
    "escalation.1": ["--role", "escalation_officer", "--phone", "0300 7000003", "--email", "esc@city.test"],
    "qc.1": ["--role", "qc_officer", "--site", "qc-centre"],
    "mayor.desk": ["--role", "mayor_office"],
    "noc.desk": ["--role", "noc"],
}
LME_KWSB, ESCALATION = "+923007000002", "+923007000003"


def _citizen(n: int) -> dict:
    return {"citizen_name": f"Citizen {n}", "phone": f"0301 55500{n:02d}"}


def _e164(n: int) -> str:
    return f"+92301555{n:04d}"


@pytest.mark.slow
def test_a_day_at_the_desk(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    with sms_gateway() as (sms_url, sms), smtp_server() as (smtp_port, inbox):
        env = {
            "CCIS_DATABASE_URL": db_url,
            "CCIS_INVENTORY": str(inventory_path),
            "CCIS_ENV": "test",
            "CCIS_SECRET_KEY": "w" * 32,
            "CCIS_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
            "CCIS_SMS_GATEWAY_URL": sms_url,
            "CCIS_SMTP_HOST": "127.0.0.1",
            "CCIS_SMTP_PORT": str(smtp_port),
            "CCIS_NOTIFY_INTERVAL_SECONDS": "0.5",
            "CCIS_QC_SAMPLE_RATE": "0",
            "CCIS_PREVENTIVE_MAINTENANCE": "false",
            "CCIS_REOPEN_AFTER_CLOSE_DAYS": "7",
        }
        for name, opts in USERS.items():
            done = subprocess.run(
                [CCIS, "users", "add", name, *opts, "--password-stdin"],
                input=PASSWORD + "\n",
                env={**os.environ, **env},
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
        with (
            ccis_serve(env, tmp_path / "serve.log") as base,
            httpx.Client(base_url=base, timeout=30, headers={"Origin": base}) as http,
        ):
            _day(http, sms, inbox)


def _day(http: httpx.Client, sms: list[dict], inbox) -> None:
    tokens = {}
    for name in USERS:
        r = http.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        tokens[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def post(who: str | None, path: str, body: dict, code: int = 200) -> dict:
        r = http.post(path, json=body, headers=tokens[who] if who else {})
        assert r.status_code == code, f"{who} {path}: {r.status_code} {r.text}"
        return r.json()

    def act(who: str, t: str, action: str, **body: object) -> dict:
        return post(who, f"/api/v1/complaints/{t}/actions/{action}", body)

    def get(who: str, path: str, **params: object) -> httpx.Response:
        return http.get(path, params=params, headers=tokens[who])

    def texts_to(number: str) -> list[str]:
        return [m["text"] for m in sms if m["to"] == number]

    # --- Registration through every channel ---------------------------------------------------------------
    desc = "Water gushing from the road by the mosque since the morning"
    call = post(
        "agent.1339",
        "/api/v1/complaints",
        {
            "channel": "call_centre",
            "category": "garbage",
            "description": desc,
            "town": "orangi",
            **_citizen(1),
            "channel_data": {"caller_number": "0301 5550001", "call_ref": "1339-REC-0001"},
        },
        201,
    )
    web = post(
        None,
        "/api/v1/public/complaints",
        {
            "category": "garbage",
            "sub_category": "garbage-burning",
            "description": "Garbage burnt every night",
            "town": "orangi",
            **_citizen(2),
        },
        201,
    )
    walk_in = post(
        "counter.kwsb",
        "/api/v1/complaints",
        {
            "channel": "walk_in",
            "category": "water-supply",
            "description": "No water for two days",
            "town": "jamshed",
            **_citizen(3),
            "channel_data": {"counter": "kwsb-pc-01", "operator": "counter.kwsb"},
        },
        201,
    )
    chatbot = post(
        "agent.1339",
        "/api/v1/complaints",
        {
            "channel": "chatbot",
            "category": "garbage",
            "description": "Bins overflowing",
            "town": "orangi",
            **_citizen(4),
            "channel_data": {"conversation_ref": "wa-1"},
        },
        201,
    )
    by_sms = post(
        "agent.1339",
        "/api/v1/complaints",
        {
            "channel": "sms",
            "category": "garbage",
            "description": "Bins overflowing again",
            "town": "orangi",
            **_citizen(5),
            "channel_data": {"message_ref": "sms-1"},
        },
        201,
    )
    post(
        "agent.1339",
        "/api/v1/complaints",
        {
            "channel": "email",
            "category": "street-lighting",
            "description": "Lights out",
            "town": "saddar",
            **_citizen(6),
            "email": "citizen6@example.pk",
        },
        201,
    )
    post(
        "mayor.desk",
        "/api/v1/complaints",
        {
            "channel": "mayor_office",
            "category": "roads",
            "description": "Pothole",
            "town": "lyari",
            **_citizen(7),
            "channel_data": {"reference": "TTM-1"},
        },
        201,
    )
    post(
        "noc.desk",
        "/api/v1/complaints",
        {
            "channel": "internal",
            "category": "noc-link",
            "description": "Lyari link flapping",
            "channel_data": {"source_ref": "manual-1"},
        },
        201,
    )
    t_call, t_web, t_walk = call["tracking_number"], web["tracking_number"], walk_in["tracking_number"]
    # The KW&SB counter prints the slip of what it registered for Jamshed; the 1339 slip carries the call.
    slip = get("counter.kwsb", f"/api/v1/complaints/{t_walk}/slip.pdf")
    assert slip.status_code == 200 and t_walk in PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    slip = get("agent.1339", f"/api/v1/complaints/{t_call}/slip.pdf")
    slip_text = PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    assert "1339-REC-0001" in slip_text and call["access_code"] in slip_text  # the code the citizen tracks it with
    assert [c["tracking_number"] for c in get("agent.1339", "/api/v1/complaints", call_ref="1339-REC-0001").json()] == [
        t_call
    ]
    first = wait_for("the registration SMS", lambda: texts_to(_e164(1)))
    due = datetime.fromisoformat(call["due_at"]).astimezone(KHI)
    assert f"{due:%d %b %Y %H:%M} PKT" in first[0] and "UTC" not in first[0]
    sms_code = re.search(r"code ([0-9A-Z]{4}-[0-9A-Z]{4})", first[0]).group(1)  # what the citizen will type

    # --- Re-mark: the 1339 agent marked a water leak as garbage ---------------------------------------------
    act("supervisor.1339", t_call, "remark", category_id="water-leakage", note="a burst pipe, not garbage")
    wait_for("the transfer SMS", lambda: [t for t in texts_to(_e164(1)) if "transferred to Karachi Water" in t])
    act("gro.kwsb", t_call, "assign", assignee="lme.kwsb", note="urgent: water main")
    wait_for("the assigned officer's SMS", lambda: [t for t in texts_to(LME_KWSB) if t_call in t])
    # --- QC calls back on the open complaint ---------------------------------------------------------------
    act("qc.1", t_call, "qc_call", reached=True, satisfied=False, words="Nobody came yet")

    # --- Two reopenings: escalated, worked to resolution by the escalation officer --------------------------
    for round_ in (1, 2):
        if round_ == 2:
            act("gro.kwsb", t_call, "assign", assignee="lme.kwsb")
        act("lme.kwsb", t_call, "start")
        act("lme.kwsb", t_call, "resolve", note="valve replaced")
        post(None, f"/api/v1/public/complaints/{t_call}/reopen", {"code": sms_code, "words": "still leaking"})
    assert get("escalation.1", f"/api/v1/complaints/{t_call}").json()["status"] == "escalated"
    wait_for("the escalation officer's SMS", lambda: [t for t in texts_to(ESCALATION) if t_call in t])
    wait_for("the escalation officer's mail", lambda: [m for m in inbox.messages if "esc@city.test" in m[1]])
    wait_for("the citizen's escalation SMS", lambda: [t for t in texts_to(_e164(1)) if "escalated" in t])
    act("escalation.1", t_call, "assign", assignee="escalation.1")
    act("escalation.1", t_call, "start")
    act("escalation.1", t_call, "resolve", note="main relaid with the zonal team")
    act("qc.1", t_call, "verify", reached=True, satisfied=True, words="Dry now, thank you")
    post(
        None,
        f"/api/v1/public/complaints/{t_call}/feedback",
        {"rating": 2, "code": sms_code, "comment": "took three tries"},
    )

    # --- Rejection with the reason told; reopening after staff closed it -----------------------------------
    t_sms = by_sms["tracking_number"]
    act("gro.sw", t_sms, "reject", reason="duplicate", duplicate_of=chatbot["tracking_number"])
    wait_for("the rejection SMS", lambda: [t for t in texts_to(_e164(5)) if "duplicates complaint" in t])
    public = http.get(f"/api/v1/public/complaints/{t_sms}", params={"phone": _e164(5)}).json()
    assert public["reasons"][0]["kind"] == "rejection"
    t_chat = chatbot["tracking_number"]
    for step, extra in (("assign", {"assignee": "lme.sw"}), ("start", {}), ("resolve", {"note": "lifted"})):
        act("gro.sw" if step == "assign" else "lme.sw", t_chat, step, **extra)
    act("gro.sw", t_chat, "close")
    reopened = post(None, f"/api/v1/public/complaints/{t_chat}/reopen", {"phone": "0301 5550004", "words": "back"})
    assert reopened["status"] == "reopened"
    assert get("gro.sw", f"/api/v1/complaints/{t_web}").json()["parent_category_id"] == "garbage"

    # --- The QC desk: appeals queue and the fortnightly report ---------------------------------------------
    queue = get("qc.1", "/api/v1/complaints/feedback-queue", appeals=True).json()
    assert [(q["tracking_number"], q["rating"]) for q in queue] == [(t_call, 2)]
    post("qc.1", f"/api/v1/complaints/feedback/{queue[0]['id']}/handle", {"note": "explained the delay"})
    today = datetime.now(UTC).astimezone(KHI).date()
    mis = get("qc.1", "/api/v1/reports/mis", period="fortnightly", date=str(today))
    assert mis.status_code == 200, mis.text
    qc = mis.json()["qc"]
    assert (qc["verified"], qc["failed_verification"], qc["callbacks"], qc["ratings"]) == (1, 0, 1, 1)
    assert (qc["appeals_opened"], qc["appeals_handled"], qc["appeals_open"]) == (1, 1, 0)
    assert {
        "category": "garbage",
        "category_name": "Garbage collection",
        "sub_category": "garbage-burning",
        "sub_category_name": "Garbage burning",
        "received": 1,
        "resolved": 0,
    } in mis.json()["by_sub_category"]
    xlsx = get("qc.1", "/api/v1/reports/mis", period="fortnightly", date=str(today), format="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # Every citizen-facing SMS read in the city's zone, none in UTC.
    assert not [m["text"] for m in sms if "UTC" in m["text"]]
