"""Last month's MIS stays as it was when this month moves its complaints, through a real `ccis serve` on SQLite and
PostgreSQL: reassigned complaints stay with the officer who held (or resolved) them then, a re-mark that brings the
due date forward does not make them overdue then, and the /mis page shows the sector-wise table by ward, by name,
on a 375 px screen.

Last month is laid down as the report fixtures do (the server has no clock to set); this month acts over the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import sync_playwright

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow
from noc_api.accounts.service import add_user
from noc_api.runtime import Runtime, build
from noc_api.settings import load_settings
from tests.reports.fixtures import complaint
from tests.support import ccis_serve

KHI = ZoneInfo("Asia/Karachi")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test__/axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
STAFF = {  # username -> (role, department, town, full name); every password is "<username> password"
    "mayor.desk": ("mayor_office", None, None, "Mehr Ali"),
    "gro.sw": ("gro", "solid-waste", None, "Gul Mohammad"),
    "qc.desk": ("qc_officer", None, None, "Qamar Zaman"),
    "lme.a": ("lme", "solid-waste", "orangi", "Aslam Khan"),
    "lme.b": ("lme", "solid-waste", "orangi", "Bilal Ahmed"),
}
GARBAGE = {"town": "orangi", "dept": "solid-waste", "cat": "garbage", "channel": "call_centre"}


def _at(d: date, hour: int) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=KHI).astimezone(UTC)


@dataclass
class Months:
    this: date
    last: date


def _months() -> Months:
    this = datetime.now(KHI).date().replace(day=1)
    return Months(this, (this - timedelta(days=1)).replace(day=1))


def _history(row: ComplaintRow, *steps: tuple[str, datetime, str | None, str, dict[str, Any]]) -> list[ComplaintEvent]:
    return [
        ComplaintEvent(complaint_id=row.id, at=at, action=a, actor="fixture", from_status=was, to_status=to, data=data)
        for a, at, was, to, data in steps
    ]


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.clients = {u: self._login(u) for u in STAFF}

    def _login(self, user: str) -> httpx.Client:
        c = httpx.Client(base_url=self.url, timeout=30)
        login = c.post("/api/v1/auth/login", json={"username": user, "password": f"{user} password"})
        assert login.status_code == 200, login.text
        c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        return c

    def act(self, user: str, tracking: str, action: str, **body: object) -> dict[str, Any]:
        r = self.clients[user].post(f"/api/v1/complaints/{tracking}/actions/{action}", json=body)
        assert r.status_code == 200, f"{action}: {r.status_code} {r.text}"
        return r.json()

    def mis(self, day: date) -> dict[str, Any]:
        r = self.clients["mayor.desk"].get("/api/v1/reports/mis", params={"period": "monthly", "date": day.isoformat()})
        assert r.status_code == 200, r.text
        return r.json()


@contextmanager
def _serve(db_url: str, inventory_path: Path, tmp_path: Path, seed: Any) -> Iterator[tuple[Server, dict[str, str]]]:
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "mis-moves-secret-0123456789abcdef",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_RUN_SCHEDULER": "false",
        "CCIS_QC_SAMPLE_RATE": "0",
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
    }
    rt: Runtime = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        for user, (role, dept, town, full) in STAFF.items():
            add_user(
                s, username=user, password=f"{user} password", role=role, department=dept, town=town, full_name=full
            )
        tracking = seed(s)
    rt.engine.dispose()
    with ccis_serve(env, tmp_path / "serve.log") as url:
        yield Server(url), tracking


def test_officer_rows_of_last_month_stay_with_the_officer_of_then(
    db_url: str, inventory_path: Path, tmp_path: Path
) -> None:
    m = _months()

    def seed(s: Any) -> dict[str, str]:
        # Held by lme.a at the end; reassigned to lme.b this month.
        held = complaint(**GARBAGE, registered=_at(m.last + timedelta(days=1), 10), due=_at(m.this, 10) + timedelta(40))
        held.status, held.assignee = "assigned", "lme.a"
        # Resolved by lme.a last month; reopened by QC this month and given to lme.b.
        fixed = complaint(
            **GARBAGE,
            registered=_at(m.last + timedelta(days=2), 8),
            due=_at(m.last + timedelta(days=3), 8),
            status="resolved",
            resolved=_at(m.last + timedelta(days=2), 16),
        )
        fixed.assignee = "lme.a"
        # Nobody's at the end (imported without a history); assigned to lme.b this month.
        unassigned = complaint(
            **GARBAGE, registered=_at(m.last + timedelta(days=3), 9), due=_at(m.this, 10) + timedelta(40)
        )
        s.add_all([held, fixed, unassigned])
        s.flush()
        r, f = held.registered_at, fixed.registered_at
        s.add_all(
            _history(
                held,
                ("register", r, None, "registered", {}),
                ("assign", r + timedelta(hours=1), "registered", "assigned", {"assignee": "lme.a"}),
            )
            + _history(
                fixed,
                ("register", f, None, "registered", {}),
                ("assign", f + timedelta(hours=1), "registered", "assigned", {"assignee": "lme.a"}),
                ("start", f + timedelta(hours=2), "assigned", "in_progress", {}),
                ("resolve", fixed.resolved_at, "in_progress", "resolved", {}),
            )
        )
        return {"held": held.tracking_number, "fixed": fixed.tracking_number, "unassigned": unassigned.tracking_number}

    with _serve(db_url, inventory_path, tmp_path, seed) as (srv, t):
        before = srv.mis(m.last)
        officers = {r["key"]: r for r in before["by_officer"]}
        assert set(officers) == {"lme.a", None}, officers
        a, nobody = officers["lme.a"], officers[None]
        assert (a["name"], a["received"], a["resolved"], a["on_time"], a["pending"]) == ("Aslam Khan", 2, 1, 1, 1), a
        assert (nobody["name"], nobody["received"], nobody["pending"]) == ("Unassigned", 1, 1), nobody

        srv.act("gro.sw", t["held"], "assign", assignee="lme.b")
        srv.act("qc.desk", t["fixed"], "reopen", note="the citizen says the garbage is back")
        srv.act("gro.sw", t["fixed"], "assign", assignee="lme.b")
        srv.act("gro.sw", t["unassigned"], "assign", assignee="lme.b")

        after = srv.mis(m.last)
        assert after["by_officer"] == before["by_officer"]
        assert after["overall"] == before["overall"]
        # Today's report gives them to today's officer.
        now = {r["key"]: r for r in srv.mis(m.this)["by_officer"]}
        assert now["lme.b"]["pending"] == 3 and now["lme.b"]["name"] == "Bilal Ahmed", now


def test_overdue_of_last_month_uses_the_due_date_of_then(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    m = _months()

    def seed(s: Any) -> dict[str, str]:
        # Due in forty days when last month ended; re-marked this month to a category promised in 48 hours, which
        # (counted from registration) brings its due date back into last month.
        remarked = complaint(
            **GARBAGE, registered=_at(m.last + timedelta(days=1), 10), due=_at(m.this, 10) + timedelta(40)
        )
        # Overdue at the end, and still.
        late = complaint(**GARBAGE, registered=_at(m.last + timedelta(days=1), 11), due=_at(m.last, 11) + timedelta(2))
        s.add_all([remarked, late])
        s.flush()
        return {"remarked": remarked.tracking_number}

    with _serve(db_url, inventory_path, tmp_path, seed) as (srv, t):
        before = srv.mis(m.last)
        o = before["overall"]
        assert (o["pending"], o["overdue"]) == (2, 1), o

        srv.act("gro.sw", t["remarked"], "remark", category_id="sanitation", note="it is the street, not the bin")
        after = srv.mis(m.last)
        # Its category moved too: last month counts it where it was then.
        for key in ("overall", "by_town", "by_department", "by_category", "by_officer", "aging"):
            assert after[key] == before[key], key
        detail = srv.clients["gro.sw"].get(f"/api/v1/complaints/{t['remarked']}").json()
        assert datetime.fromisoformat(detail["due_at"]) < _at(m.this, 0)  # the re-mark did bring it into last month
        was = detail["history"][-1]["data"]["was"]  # and its event says what the due date and category were
        assert (datetime.fromisoformat(was["due_at"]), was["category_id"]) == (
            _at(m.this, 10) + timedelta(40),
            "garbage",
        )
        assert srv.mis(m.this)["overall"]["overdue"] == 2  # today both are overdue


def test_mis_page_shows_wards_by_name_on_a_small_screen(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    m = _months()

    def seed(s: Any) -> dict[str, str]:
        rows = []
        for town, ward, resolved in (
            ("orangi", "Orangi UC-2", None),
            ("orangi", "Orangi UC-2", _at(m.last + timedelta(days=4), 12)),
            ("lyari", "Lyari UC-1", None),
        ):
            row = complaint(
                town=town,
                dept="solid-waste",
                cat="garbage",
                channel="walk_in",
                counter=f"town-{town}-pc-01",
                registered=_at(m.last + timedelta(days=4), 10),
                due=_at(m.last + timedelta(days=4), 10) + timedelta(days=60),
                status="resolved" if resolved else "registered",
                resolved=resolved,
            )
            row.ward = ward
            rows.append(row)
        s.add_all(rows)
        s.flush()
        return {"moved": rows[2].tracking_number}

    with _serve(db_url, inventory_path, tmp_path, seed) as (srv, t), sync_playwright() as pw:
        # This month the citizen's ward is corrected: last month's sector-wise table still reads it where it was.
        wards = srv.mis(m.last)["by_ward"]
        gro = srv.clients["gro.sw"]
        version = gro.get(f"/api/v1/complaints/{t['moved']}").json()["version"]
        r = gro.patch(f"/api/v1/complaints/{t['moved']}", json={"version": version, "changes": {"ward": "Lyari UC-3"}})
        assert r.status_code == 200, r.text
        assert srv.mis(m.last)["by_ward"] == wards
        assert ("lyari", "Lyari UC-3") in {(w["town"], w["ward"]) for w in srv.mis(m.this)["by_ward"]}
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 375, "height": 800})
            # axe-core served as if from the site, so the page's CSP (script-src 'self') stays on.
            context.route(
                f"{srv.url}{AXE_PATH}", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript")
            )
            page = context.new_page()
            login = page.request.post(
                srv.url + "/api/v1/auth/login", data={"username": "mayor.desk", "password": "mayor.desk password"}
            )
            assert login.ok, login.text()
            page.goto(f"{srv.url}/mis?period=monthly&day={m.last.isoformat()}")
            rows = page.locator("#by-ward tbody tr")
            cells = [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]
            # Town by name, ward as the inventory names it; received, resolved, pending, overdue.
            assert sorted(cells) == [
                ["Lyari", "Lyari UC-1", "1", "0", "1", "0"],
                ["Orangi", "Orangi UC-2", "2", "1", "1", "0"],
            ]
            assert page.locator("#by-ward-h").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            if AXE.exists():
                page.add_script_tag(url=srv.url + AXE_PATH)
                result = page.evaluate("async () => await axe.run('#by-ward', {resultTypes: ['violations']})")
                assert not [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        finally:
            browser.close()
