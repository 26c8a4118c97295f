"""Issue 18, item by item through the HTTP API on both databases: where a real desk got stuck, and what holds now."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from complaint_core.adapters.orm import ComplaintRow, Notification, QcCall
from noc_api.accounts.service import AccountError, add_user
from noc_api.db import models as m
from tests.complaints.conftest import Env

JAMSHED_WATER = {"category": "water-supply", "town": "jamshed", "description": "No water in the lane for two days"}


def _outbox(env: Env, reason: str | None = None) -> list[Notification]:
    with env.sessions()() as s:
        stmt = select(Notification).order_by(Notification.id)
        if reason:
            stmt = stmt.where(Notification.reason == reason)
        return list(s.execute(stmt).scalars())


def _detail(env: Env, t: str, who: str = "admin") -> dict:
    return env.client.get(f"/api/v1/complaints/{t}", headers=env.h(who)).json()


def _public(env: Env, t: str) -> dict:
    return env.client.get(f"/api/v1/public/complaints/{t}", params={"phone": "0300 1234567"}).json()


def _reopen_twice(env: Env, t: str) -> None:
    for _ in range(2):
        env.ok("gro", t, "assign", assignee="lme")
        env.ok("lme", t, "start")
        env.ok("lme", t, "resolve", note="lifted")
        r = env.client.post(f"/api/v1/public/complaints/{t}/reopen", json={"phone": "0300 1234567", "words": "back"})
        assert r.status_code == 200, r.text


# 1. Officers are checked and told.
def test_assignee_is_an_active_officer_in_scope_and_is_told(env: Env) -> None:
    t = env.register()["tracking_number"]
    for who, why in (
        ("nobody-at-all", "no such user"),
        ("lme-kwsb", "does not cover this complaint"),  # an LME of another department
        ("gro", "is not assigned complaints"),
    ):
        r = env.act("gro", t, "assign", assignee=who)
        assert r.status_code == 422 and why in r.json()["errors"][0]["msg"], r.text
    with env.sessions().begin() as s:
        s.execute(update(m.User).where(m.User.username == "lme2").values(active=False))
    r = env.act("gro", t, "assign", assignee="lme2")
    assert r.status_code == 422 and "not active" in r.text
    env.ok("gro", t, "assign", assignee="lme", note="please lift it today")
    assert [(n.to, n.medium) for n in _outbox(env, "assigned")] == [("lme@city.test", "email")]
    assert "assigned to you" in _outbox(env, "assigned")[0].body and "PKT" in _outbox(env, "assigned")[0].body
    env.ok("lme", t, "request_reassign", note="this lane is not my beat")
    assert {n.to for n in _outbox(env, "reassign_requested")} == {"gro@city.test"}
    t2 = env.register(description="Garbage pile by the school")["tracking_number"]
    _reopen_twice(env, t2)
    assert {n.to for n in _outbox(env, "escalated") if n.medium == "email"} == {
        "escalation@city.test",
        "escalation2@city.test",
    }


# 2. The escalation officer has a working path to resolution, himself or through the officer he picks.
def test_escalation_officer_resolves_himself_or_through_an_officer(env: Env) -> None:
    mine, handed = env.register()["tracking_number"], env.register(description="Bins overflowing")["tracking_number"]
    for t in (mine, handed):
        _reopen_twice(env, t)
        assert _detail(env, t)["status"] == "escalated"
    env.ok("escalation", mine, "assign", assignee="escalation")
    assert "start" in _detail(env, mine, "escalation")["allowed_actions"]
    env.ok("escalation", mine, "start")
    env.ok("escalation", mine, "resolve", note="cleared with the zonal team")
    assert _detail(env, mine)["status"] == "resolved"
    env.ok("escalation", handed, "assign", assignee="lme2")
    env.ok("lme2", handed, "start")
    env.ok("lme2", handed, "resolve", note="cleared")
    assert _detail(env, handed)["status"] == "resolved"
    assert env.act("escalation", handed, "assign", assignee="lme-kwsb").status_code == 422  # still in scope


# 3. Re-marking to another town, department, agency or category at any open stage.
def test_gro_and_supervisor_remark_with_a_note_and_the_citizen_is_told(env: Env) -> None:
    c = env.register(category="garbage")
    t = c["tracking_number"]
    env.ok("gro", t, "assign", assignee="lme")
    env.ok("lme", t, "start")
    assert env.act("gro", t, "remark", category_id="water-leakage", note="").status_code == 422  # a note is required
    bad = env.act("gro", t, "remark", note="x", town_id="atlantis", category_id="nope")
    assert bad.status_code == 422 and {e["loc"] for e in bad.json()["errors"]} == {"town_id", "category_id"}
    env.ok("gro", t, "remark", category_id="water-leakage", note="it is a burst pipe, not garbage")
    d = _detail(env, t)
    assert (d["status"], d["department_id"], d["category_id"], d["assignee"]) == (
        "registered",
        "kwsb",
        "water-leakage",
        None,
    )
    # Stated policy: time runs from registration; the new category's promised hours (48) replace the old (24).
    assert datetime.fromisoformat(d["due_at"]) == datetime.fromisoformat(c["due_at"]) + timedelta(hours=24)
    ev = d["history"][-1]
    assert ev["action"] == "remark" and ev["data"]["from"]["category_id"] == "garbage"
    assert env.client.get(f"/api/v1/complaints/{t}", headers=env.h("lme")).status_code == 404
    env.ok("gro-kwsb", t, "assign", assignee="lme-kwsb")
    sms = [n.body for n in _outbox(env, "remarked") if n.medium == "sms"]
    assert sms == [
        f"Your complaint {t} was transferred to Karachi Water and Sewerage Board, Orangi: it is a burst pipe, "
        f"not garbage. Promised by {sms[0].split('Promised by ')[1]}"
    ] and sms[0].endswith("PKT.")
    env.ok("supervisor", t, "remark", town_id="lyari", note="the caller gave the wrong town")
    d = _detail(env, t)
    assert (d["town_id"], d["department_id"], d["status"]) == ("lyari", "kwsb", "registered")
    assert datetime.fromisoformat(d["due_at"]) == datetime.fromisoformat(c["due_at"]) + timedelta(hours=24)
    assert env.act("agent", t, "remark", town_id="orangi", note="x").status_code == 403
    env.ok("gro-kwsb", t, "reject", reason="not_our_jurisdiction", note="cantonment area")
    assert env.act("supervisor", t, "remark", town_id="orangi", note="x").status_code == 409  # closed: not open


# 4. City-wide counters: counter staff belong to a site and see and print what their counter registered.
def test_city_wide_counter_prints_the_slip_of_what_it_registered(env: Env) -> None:
    walk_in = {"channel": "walk_in", "channel_data": {"counter": "kwsb-pc-02", "operator": "counter-kwsb"}}
    t = env.register("counter-kwsb", **walk_in, **JAMSHED_WATER)["tracking_number"]
    assert _detail(env, t, "counter-kwsb")["site_id"] == "kwsb"
    slip = env.client.get(f"/api/v1/complaints/{t}/slip.pdf", headers=env.h("counter-kwsb"))
    assert slip.status_code == 200 and t in PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    assert [
        c["tracking_number"] for c in env.client.get("/api/v1/complaints", headers=env.h("counter-kwsb")).json()
    ] == [t]
    assert env.client.get(f"/api/v1/complaints/{t}", headers=env.h("counter-civic")).status_code == 404
    assert env.client.get("/api/v1/complaints", headers=env.h("counter-civic")).json() == []
    with env.sessions().begin() as s:
        with pytest.raises(AccountError, match="needs --site"):
            add_user(s, username="desk-x", password="a long password", role="counter_operator")
        with pytest.raises(AccountError, match="unknown site"):
            add_user(s, username="desk-y", password="a long password", role="counter_operator", site="nowhere")
        assert add_user(s, username="desk-z", password="a long password", role="counter_operator", site="kbca").site_id


# 5. The citizen is told why; a complaint closed by staff can still be reopened for a while.
def test_citizen_is_told_why_and_can_reopen_after_closure(env: Env) -> None:
    first = env.register()["tracking_number"]
    dup = env.register(description="Same garbage again")["tracking_number"]
    env.ok("gro", dup, "reject", reason="duplicate", duplicate_of=first, note="the team is on it already")
    sms = [n.body for n in _outbox(env, "rejected") if n.medium == "sms"]
    assert sms == [
        f"Your complaint {dup} was closed without action: it duplicates complaint {first}. the team is on it already"
    ]
    reasons = _public(env, dup)["reasons"]
    assert [r["kind"] for r in reasons] == ["rejection"] and first in reasons[0]["text"]
    env.ok("gro", first, "assign", assignee="lme")
    env.ok("gro", first, "assign", assignee="lme2", note="lme is on leave")
    assert [n.body for n in _outbox(env, "reassigned") if n.medium == "sms"] == [
        f"Your complaint {first} was reassigned: lme is on leave."
    ]
    env.ok("lme2", first, "start")
    env.ok("lme2", first, "note", note="the loader truck is in the workshop until Friday", delay=True)
    env.ok("lme2", first, "note", note="internal: driver absent")
    env.ok("gro", first, "note", note="Extra bins placed at the corner", public=True)
    pub = _public(env, first)
    assert [(r["kind"], r["text"]) for r in pub["reasons"]] == [
        ("delay", "the loader truck is in the workshop until Friday"),
        ("note", "Extra bins placed at the corner"),
    ]
    assert pub["due_at"].endswith("+05:00") and pub["time_zone"] == "Asia/Karachi"
    env.ok("lme2", first, "resolve", note="lifted")
    env.ok("gro", first, "close")
    assert _public(env, first)["can_reopen"] is True
    r = env.client.post(f"/api/v1/public/complaints/{first}/reopen", json={"phone": "0300 1234567", "words": "back"})
    assert r.status_code == 200 and r.json()["status"] == "reopened"
    env.ok("gro", first, "assign", assignee="lme")
    env.ok("lme", first, "start")
    env.ok("lme", first, "resolve", note="lifted again")
    env.ok("qc", first, "verify", words="fine now")  # a reopened complaint is always called back
    env.ok("gro", first, "close")
    with env.sessions().begin() as s:  # closed eight days ago: past the 7 days a citizen has to reopen it
        s.execute(
            update(ComplaintRow)
            .where(ComplaintRow.tracking_number == first)
            .values(closed_at=datetime.now(UTC) - timedelta(days=8))
        )
    r = env.client.post(f"/api/v1/public/complaints/{first}/reopen", json={"phone": "0300 1234567", "words": "again"})
    assert r.status_code == 409 and "closed too long ago" in r.json()["detail"]


# 6. QC is a workflow with figures.
def test_qc_outcomes_callbacks_queue_and_fortnightly_figures(env: Env) -> None:
    done = []
    for i in range(3):
        t = env.register(description=f"Garbage heap {i}")["tracking_number"]
        env.ok("gro", t, "assign", assignee="lme")
        env.ok("lme", t, "start")
        env.ok("lme", t, "resolve", note="lifted")
        done.append(t)
    unreached, unhappy, happy = done
    env.ok("qc", unreached, "verify", reached=False, note="no answer, two tries")
    assert _detail(env, unreached)["status"] == "resolved"
    r = env.act("qc", unhappy, "verify", reached=True, satisfied=False, note="")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "words"
    env.ok("qc", unhappy, "verify", reached=True, satisfied=False, words="They left half of it")
    assert _detail(env, unhappy)["status"] == "reopened"
    env.ok("qc", happy, "verify", reached=True, satisfied=True, words="All clean, thank you")
    live = env.register(description="Garbage by the park")["tracking_number"]
    env.ok("qc", live, "qc_call", reached=True, satisfied=False, words="Nobody has come yet")
    assert _detail(env, live)["status"] == "registered"
    with env.sessions()() as s:
        calls = [
            (c.purpose, c.outcome, c.reached, c.satisfied, c.words)
            for c in s.execute(select(QcCall).order_by(QcCall.id)).scalars()
        ]
    assert calls == [
        ("verification", "unreachable", False, None, "no answer, two tries"),
        ("verification", "failed", True, False, "They left half of it"),
        ("verification", "verified", True, True, "All clean, thank you"),
        ("callback", "callback", True, False, "Nobody has come yet"),
    ]
    for t, rating in ((happy, 5), (unreached, 1)):
        r = env.client.post(f"/api/v1/public/complaints/{t}/feedback", json={"rating": rating, "phone": "0300 1234567"})
        assert r.status_code == 200
    queue = env.client.get("/api/v1/complaints/feedback-queue", headers=env.h("qc")).json()
    assert [(q["tracking_number"], q["rating"], q["appeal"]) for q in queue] == [
        (happy, 5, False),
        (unreached, 1, True),
    ]
    appeals = env.client.get("/api/v1/complaints/feedback-queue", params={"appeals": True}, headers=env.h("escalation"))
    assert [q["tracking_number"] for q in appeals.json()] == [unreached]
    assert env.client.get("/api/v1/complaints/feedback-queue", headers=env.h("lme")).status_code == 403
    r = env.client.post(
        f"/api/v1/complaints/feedback/{queue[1]['id']}/handle",
        json={"note": "called back, re-lifted"},
        headers=env.h("qc"),
    )
    assert r.status_code == 200
    assert [
        q["tracking_number"] for q in env.client.get("/api/v1/complaints/feedback-queue", headers=env.h("qc")).json()
    ] == [happy]
    today = datetime.now(UTC).astimezone().date()
    mis = env.client.get(
        "/api/v1/reports/mis", params={"period": "fortnightly", "date": str(today)}, headers=env.h("qc")
    )
    assert mis.status_code == 200, mis.text
    q = mis.json()["qc"]
    assert (q["verified"], q["failed_verification"], q["unreachable"], q["callbacks"]) == (1, 1, 1, 1)
    assert (q["ratings"], q["average_rating"], q["appeals_opened"], q["appeals_handled"], q["appeals_open"]) == (
        2,
        3.0,
        1,
        1,
        0,
    )
    period = mis.json()["period"]
    assert period["kind"] == "fortnightly" and period["label"].startswith("01-15" if today.day <= 15 else "16-")
    pdf = env.client.get("/api/v1/reports/mis", params={"period": "fortnightly", "format": "pdf"}, headers=env.h("qc"))
    assert "Failed verification" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


# 8. Call references, sub-categories, the city's zone, the citizen's own web form.
def test_call_reference_sub_category_local_times_and_web_form(env: Env) -> None:
    c = env.register(
        channel_data={"caller_number": "0300 1234567", "call_ref": "1339-REC-20261201-0042"},
        sub_category="garbage-burning",
    )
    t = c["tracking_number"]
    found = env.client.get("/api/v1/complaints", params={"call_ref": "1339-REC-20261201-0042"}, headers=env.h("agent"))
    assert [x["tracking_number"] for x in found.json()] == [t]
    d = _detail(env, t)
    assert (d["category_id"], d["parent_category_id"]) == ("garbage-burning", "garbage")
    assert datetime.fromisoformat(d["due_at"]) - datetime.fromisoformat(d["registered_at"]) == timedelta(hours=6)
    slip = env.client.get(f"/api/v1/complaints/{t}/slip.pdf", headers=env.h("agent"))
    words = PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    assert "1339-REC-20261201-0042" in words and "Garbage collection / Garbage burning" in words
    r = env.client.post(
        "/api/v1/complaints", json={**_body(), "sub_category": "water-main-burst"}, headers=env.h("agent")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "sub_category"
    r = env.client.post(
        "/api/v1/complaints", json={**_body(), "subcategory": "garbage-burning"}, headers=env.h("agent")
    )
    assert r.status_code == 422  # a misspelt field is refused, never silently dropped
    sms = next(n.body for n in _outbox(env, "registered") if n.medium == "sms")
    local_due = datetime.fromisoformat(c["due_at"]).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Karachi"))
    assert f"{local_due:%d %b %Y %H:%M} PKT" in sms and "UTC" not in sms
    mis = env.client.get("/api/v1/reports/mis", params={"period": "daily"}, headers=env.h("qc")).json()
    assert {
        "category": "garbage",
        "category_name": "Garbage collection",
        "sub_category": "garbage-burning",
        "sub_category_name": "Garbage burning",
        "received": 1,
        "resolved": 0,
    } in mis["by_sub_category"]
    web = {
        "category": "street-lighting",
        "description": "Street light out for a week",
        "citizen_name": "Bilal",
        "phone": "0321 7654321",
        "town": "saddar",
    }
    r = env.client.post("/api/v1/public/complaints", json=web)
    assert r.status_code == 201, r.text
    assert r.json()["tracking_number"] and r.json()["due_local"].endswith("PKT")
    assert _detail(env, r.json()["tracking_number"])["channel"] == "web"
    r = env.client.post("/api/v1/public/complaints", json={**web, "phone": None, "description": ""})
    assert r.status_code == 422 and {e["loc"] for e in r.json()["errors"]} == {"phone", "description"}
    assert env.client.post("/api/v1/public/complaints", json={**web, "channel": "walk_in"}).status_code == 422


def _body() -> dict:
    from tests.complaints.conftest import complaint_body

    return complaint_body()
