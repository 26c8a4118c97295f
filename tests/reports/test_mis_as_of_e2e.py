"""A period's MIS reads the same whenever it is asked, through a real `ccis serve` on SQLite and PostgreSQL.

Last month's complaints are laid down as the report fixtures do (the server has no clock to set); this month they
are acted on over the API: the overdue one resolved, another rejected. Last month's report, asked before and after,
is identical (pending, overdue and backlog as of its end; the rejection counts this month), and its pending is the
previous-period column of this month's report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from complaint_core.adapters.orm import ComplaintEvent
from noc_api.accounts.service import add_user
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.reports.fixtures import complaint
from tests.support import ccis_serve

KHI = ZoneInfo("Asia/Karachi")
FIGURES = ("received", "resolved", "pending", "overdue", "rejected", "on_time")


def _at(d: date, hour: int) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=KHI).astimezone(UTC)


def test_last_month_does_not_change_when_this_month_acts(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "mis-as-of-secret-0123456789abcdef",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_QC_SAMPLE_RATE": "0",
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
    }
    this_month = datetime.now(KHI).date().replace(day=1)
    last = (this_month - timedelta(days=1)).replace(day=1)
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    garbage = {"town": "orangi", "dept": "solid-waste", "cat": "garbage", "channel": "call_centre"}
    with rt.sessions.begin() as s:
        add_user(s, username="mayor.desk", password="mayor password 1", role="mayor_office")
        add_user(s, username="gro.sw", password="gro password 123", role="gro", department="solid-waste")
        add_user(s, username="qc.desk", password="qc password 1234", role="qc_officer", site="qc-centre")
        add_user(s, username="lme.sw", password="lme password 123", role="lme", department="solid-waste", town="orangi")
        overdue = complaint(**garbage, registered=_at(last, 10), due=_at(last + timedelta(days=1), 10))
        waiting = complaint(
            **garbage, registered=_at(last + timedelta(days=2), 10), due=_at(this_month, 10) + timedelta(days=40)
        )
        done = complaint(
            **garbage,
            registered=_at(last + timedelta(days=3), 9),
            due=_at(last + timedelta(days=4), 9),
            status="closed",
            resolved=_at(last + timedelta(days=3), 15),
        )
        walk = complaint(
            town="orangi",
            dept="solid-waste",
            cat="garbage",
            channel="walk_in",
            counter="town-orangi-pc-01",
            registered=_at(last + timedelta(days=5), 11),
            due=_at(last + timedelta(days=5), 11) + timedelta(days=60),
        )
        walk.ward = "Orangi UC-2"
        # Resolved last month with its history; QC reopens it this month (the row forgets its resolution then).
        fixed_at = _at(last + timedelta(days=6), 16)
        fixed = complaint(
            **garbage,
            registered=_at(last + timedelta(days=6), 8),
            due=_at(last + timedelta(days=7), 8),
            status="resolved",
            resolved=fixed_at,
        )
        s.add_all([overdue, waiting, done, walk, fixed])
        s.flush()
        history = [
            ("register", fixed.registered_at, None, "registered"),
            ("assign", fixed.registered_at + timedelta(hours=1), "registered", "assigned"),
            ("start", fixed.registered_at + timedelta(hours=2), "assigned", "in_progress"),
            ("resolve", fixed_at, "in_progress", "resolved"),
        ]
        for action, at, was, to in history:
            s.add(
                ComplaintEvent(
                    complaint_id=fixed.id, at=at, action=action, actor="fixture", from_status=was, to_status=to, data={}
                )
            )
        tracking = {
            "overdue": overdue.tracking_number,
            "waiting": waiting.tracking_number,
            "fixed": fixed.tracking_number,
        }
    rt.engine.dispose()

    with ccis_serve(env, tmp_path / "serve.log") as url:

        def staff(user: str, pw: str) -> httpx.Client:
            c = httpx.Client(base_url=url, timeout=30)
            login = c.post("/api/v1/auth/login", json={"username": user, "password": pw})
            assert login.status_code == 200, login.text
            c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            return c

        mayor, gro, lme = (
            staff("mayor.desk", "mayor password 1"),
            staff("gro.sw", "gro password 123"),
            staff("lme.sw", "lme password 123"),
        )

        def mis(day: date) -> dict:
            r = mayor.get("/api/v1/reports/mis", params={"period": "monthly", "date": day.isoformat()})
            assert r.status_code == 200, r.text
            return r.json()

        before = mis(last)
        o = before["overall"]
        assert (o["received"], o["resolved"], o["pending"], o["overdue"], o["rejected"]) == (5, 2, 3, 1, 0), o
        assert o["p50_resolution_hours"] is not None
        wards = {(r["town"], r["ward"]): r for r in before["by_ward"]}
        assert wards[("orangi", "Orangi UC-2")]["received"] == 1 and wards[("orangi", "Orangi UC-2")]["pending"] == 1
        assert wards[("orangi", "Orangi UC-2")]["town_name"] == "Orangi"

        def act(who: httpx.Client, t: str, action: str, **body: object) -> None:
            r = who.post(f"/api/v1/complaints/{t}/actions/{action}", json=body)
            assert r.status_code == 200, f"{action}: {r.status_code} {r.text}"

        # This month: the overdue complaint resolved, another rejected, the resolved one reopened by QC.
        qc = staff("qc.desk", "qc password 1234")
        act(qc, tracking["fixed"], "reopen", note="the citizen says the garbage is back")
        act(gro, tracking["overdue"], "assign", assignee="lme.sw")
        act(lme, tracking["overdue"], "start")
        act(lme, tracking["overdue"], "resolve", note="lifted")
        act(gro, tracking["waiting"], "reject", reason="insufficient_information", note="no address given")

        after = mis(last)
        # Per officer too: the overdue complaint stays unassigned in last month, as it was then.
        for key in (
            "overall",
            "by_town",
            "by_department",
            "by_channel",
            "by_category",
            "aging",
            "by_ward",
            "by_officer",
        ):
            assert after[key] == before[key], key
        now = mis(this_month)
        # The previous-period column reads what last month's own report reads.
        assert {k: now["previous"][k] for k in FIGURES} == {k: before["overall"][k] for k in FIGURES}
        o = now["overall"]
        assert (o["received"], o["resolved"], o["rejected"], o["pending"]) == (0, 1, 1, 2), o
