"""SLA escalation with a controllable clock and holidays; tracking numbers under concurrency; the PDF."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlalchemy import select

from complaint_core.adapters.orm import ComplaintEvent, Notification
from complaint_core.roles import Actor, Role
from complaint_core.services.registration import register_complaint
from noc_api.complaints.directory import core_config, load_directory, run_sla_escalation
from tests.complaints.conftest import Env, complaint_body, make_env


def _register_at(env: Env, now: datetime, **over) -> str:
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

        def run(*when: int, rt=rt) -> tuple[int, int]:
            with rt.sessions.begin() as s:
                r = run_sla_escalation(s, datetime(*when, tzinfo=UTC), rt.desk.config)
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
            "delayed": {"+923001234567"},  # the citizen hears why, once per run (levels 2 and 3 came together)
        }
        delayed = [n.body for n in notes if n.reason == "delayed"]
        assert delayed[0].endswith("(24 Mar 2026 17:00 PKT): it has been escalated to the head of department/town.")
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
    c = env.register("counter", channel="walk_in", channel_data={"counter": "walk-in-orangi", "operator": "counter"})
    r = env.client.get(f"/api/v1/complaints/{c['tracking_number']}/slip.pdf", headers=env.h("counter"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    page = PdfReader(io.BytesIO(r.content)).pages[0]
    words = page.extract_text()
    due = datetime.fromisoformat(c["due_at"]).astimezone(ZoneInfo("Asia/Karachi"))  # the citizen's clock
    assert c["tracking_number"] in words and f"{due:%d %b %Y %H:%M} PKT" in words
    assert "Office stamp" in words and f"/track/{c['tracking_number']}" in words
    assert len(page.images) == 1  # the QR code
    assert (
        env.client.get(f"/api/v1/complaints/{c['tracking_number']}/slip.pdf", headers=env.h("thead-lyari")).status_code
        == 404
    )


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
