"""SLA escalation with a controllable clock and holidays; tracking numbers under concurrency; Open311; the PDF."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from complaint_core.adapters.orm import ComplaintEvent, Notification
from complaint_core.roles import Actor, Role
from complaint_core.services.registration import register_complaint
from noc_api.services.complaints import core_config, load_directory, run_sla_escalation
from noc_api.services.open311 import issue_key
from tests.complaints.conftest import Env, complaint_body, make_env


def _register_at(env: Env, now: datetime, **over) -> str:  # noqa: ANN003
    rt = env.app.state.runtime
    agent = Actor("staff", "agent", Role.CALL_CENTRE_AGENT)
    with rt.sessions.begin() as s:
        done = register_complaint(
            s,
            data=complaint_body(**over),
            actor=agent,
            directory=load_directory(s, "KHI"),
            now=now,
            config=core_config(rt.settings, "Asia/Karachi"),
        )
    return done.tracking_number


def test_sla_warning_and_tiers_with_office_hours_and_a_holiday(
    db_url: str, inventory_path: Path, tmp_path: Path
) -> None:
    for env in make_env(
        db_url, inventory_path, tmp_path, sla_business_hours="9-17", sla_workdays="0,1,2,3,4", sla_holidays="2026-03-23"
    ):
        rt = env.app.state.runtime
        # Thursday 19 March 09:00 PKT; garbage is promised in 24 working hours:
        # Thursday, Friday, (weekend, Monday holiday), Tuesday.
        t = _register_at(env, datetime(2026, 3, 19, 4, 0, tzinfo=UTC))
        d = env.client.get(f"/api/v1/complaints/{t}", headers=env.h("admin")).json()
        assert d["due_at"].startswith("2026-03-24T12:00:00")

        def run(*when: int, rt=rt) -> tuple[int, int]:  # noqa: ANN001
            with rt.sessions.begin() as s:
                r = run_sla_escalation(s, datetime(*when, tzinfo=UTC), rt.settings)
            return r.warned, r.escalated

        assert run(2026, 3, 23, 12) == (0, 0)  # the holiday does not count: 16 of 24 hours used
        assert run(2026, 3, 24, 8) == (1, 0)  # Tuesday 13:00 PKT: 20 hours used, warning
        assert run(2026, 3, 24, 8) == (0, 0)  # idempotent at the same moment
        assert run(2026, 3, 24, 12) == (0, 1)  # due: level 1
        assert run(2026, 3, 27, 12) == (0, 1)  # 48 hours used: levels 2 and 3 at once
        assert run(2026, 3, 27, 12) == (0, 0)
        with env.sessions()() as s:
            events = (
                s.execute(
                    select(ComplaintEvent)
                    .where(ComplaintEvent.action.in_(["sla_warning", "escalate"]))
                    .order_by(ComplaintEvent.id)
                )
                .scalars()
                .all()
            )
            notes = s.execute(select(Notification).where(Notification.reason != "registered")).scalars().all()
        assert [(e.action, e.data["level"]) for e in events] == [
            ("sla_warning", 0),
            ("escalate", 1),
            ("escalate", 2),
            ("escalate", 3),
        ]
        by_reason: dict[str, set[str]] = {}
        for n in notes:
            by_reason.setdefault(n.reason, set()).add(n.to)
        assert by_reason == {
            "sla_warning": {"dhead@city.test", "thead@city.test"},
            "escalation_1": {"dhead@city.test", "thead@city.test"},
            "escalation_2": {"director@city.test"},
            "escalation_3": {"mayor@city.test"},
        }
        r = env.client.get("/api/v1/complaints", params={"overdue": "true"}, headers=env.h("admin")).json()
        assert [c["tracking_number"] for c in r] == [t] and r[0]["escalation_level"] == 3


def test_tracking_numbers_are_unique_and_sequential_under_concurrency(env: Env) -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda i: _register_at(env, now, phone=f"0300 12{i:05d}"), range(40)))
    assert sorted(numbers) == [f"KHI-2026-{i:07d}" for i in range(1, 41)]
    assert _register_at(env, datetime(2027, 1, 1, tzinfo=UTC)) == "KHI-2027-0000001"
    assert _register_at(env, now) == "KHI-2026-0000041"


def test_printed_slip_has_number_promised_date_qr_and_stamp(env: Env) -> None:
    c = env.register("counter", channel="walk_in", channel_data={"counter": "orangi-1", "operator": "counter"})
    r = env.client.get(f"/api/v1/complaints/{c['tracking_number']}/slip.pdf", headers=env.h("counter"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    page = PdfReader(io.BytesIO(r.content)).pages[0]
    words = page.extract_text()
    due = datetime.fromisoformat(c["due_at"])
    assert c["tracking_number"] in words and f"{due:%d %b %Y %H:%M}" in words
    assert "Office stamp" in words and f"/track/{c['tracking_number']}" in words
    assert len(page.images) == 1  # the QR code
    assert (
        env.client.get(f"/api/v1/complaints/{c['tracking_number']}/slip.pdf", headers=env.h("thead-lyari")).status_code
        == 404
    )


def test_open311_georeport_v2(env: Env) -> None:
    c = env.client
    services = c.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in services} >= {"garbage", "garbage-burning", "water-leakage"}
    assert not any(s["service_code"].startswith("noc-") for s in services)
    assert set(services[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert c.get("/open311/v2/services.xml").text.count("<service>") == len(services)
    assert c.get("/open311/v2/services/garbage.json").json() == {"service_code": "garbage", "attributes": []}
    r = c.get("/open311/v2/services/teleport.json")
    assert r.status_code == 404 and r.json() == [{"code": 404, "description": "unknown service_code teleport"}]
    form = {
        "service_code": "garbage",
        "lat": "24.955",
        "long": "67.0",
        "first_name": "Bilal",
        "last_name": "Ahmed",
        "phone": "+923001234567",
        "description": "Burning garbage behind the school",
    }
    r = c.post("/open311/v2/requests.json", data=form)
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    key = issue_key(env.app.state.runtime, "city-app")
    r = c.post("/open311/v2/requests.json", data={**form, "api_key": key, "phone": "12"})
    assert r.status_code == 400 and r.json()[0]["description"].startswith("phone:")
    r = c.post("/open311/v2/requests.json", data={**form, "api_key": key, "lat": "", "long": ""})
    assert r.status_code == 400 and "location" in r.json()[0]["description"]
    r = c.post(
        "/open311/v2/requests.json",
        data={**form, "api_key": key, "lat": "", "long": "", "address_string": "Street 4, Orangi UC-1"},
    )
    assert r.status_code == 200 and r.json()[0]["service_request_id"].startswith("KHI-")
    r = c.post("/open311/v2/requests.json", data={**form, "api_key": key})
    assert r.status_code == 200, r.text
    (made,) = r.json()
    assert set(made) == {"service_request_id", "service_notice", "account_id"}
    rid = made["service_request_id"]
    (one,) = c.get(f"/open311/v2/requests/{rid}.json").json()
    assert one["status"] == "open" and one["service_code"] == "garbage" and one["lat"] == 24.955
    assert set(one) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    opened = c.get("/open311/v2/requests.json", params={"status": "open"}).json()
    assert rid in [x["service_request_id"] for x in opened] and len(opened) == 2
    assert c.get("/open311/v2/requests.json", params={"status": "closed"}).json() == []
    assert c.get("/open311/v2/requests.json", params={"start_date": "yesterday"}).status_code == 400
    assert c.get("/open311/v2/requests/KHI-1999-0000001.json").status_code == 404


def test_internal_ticket_entry_points_for_the_noc(env: Env) -> None:
    from complaint_core.services.internal import raise_internal_ticket, resolve_internal_ticket

    rt = env.app.state.runtime
    cfg = core_config(rt.settings, "Asia/Karachi")
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    with rt.sessions.begin() as s:
        t = raise_internal_ticket(
            s,
            category_id="noc-power",
            description="Orangi town office down: power",
            source_ref="outage-42",
            town_id="orangi",
            assignee="engineer",
            directory=load_directory(s, "KHI"),
            now=now,
            config=cfg,
        )
    assert t.department_id == "it" and t.tracking_number.startswith("KHI-2026-")
    with rt.sessions.begin() as s:
        status = resolve_internal_ticket(
            s, tracking=t.tracking_number, note="power back after 2 h 28 min (power)", now=now, config=cfg
        )
        again = resolve_internal_ticket(s, tracking=t.tracking_number, note="again", now=now, config=cfg)
    assert status == again == "resolved"
    d = env.client.get(f"/api/v1/complaints/{t.tracking_number}", headers=env.h("noc")).json()
    assert [h["action"] for h in d["history"]] == ["register", "assign", "start", "resolve"]
    assert d["history"][-1]["actor"] == "noc" and d["qc_required"] is False
    assert env.client.get(f"/api/v1/complaints/{t.tracking_number}", headers=env.h("gro")).status_code == 404
