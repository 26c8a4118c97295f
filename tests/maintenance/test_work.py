"""Maintenance tickets people can work: one per plan, site and period, in the town's IT queue, due by the period's
end; started work opens maintenance windows; every item ticked (who, when) resolves; a failure raises a fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.roles import Actor
from noc_api.app import create_app
from noc_api.db import noc_models as nm
from noc_api.health.inputs import active_maintenance
from noc_api.maintenance import work
from noc_api.maintenance.periods import Every, period_of
from noc_api.maintenance.plans import tasks_for
from noc_api.runtime import Runtime
from tests.reports.fixtures import local


def login(c: TestClient, user: str, password: str) -> dict:
    r = c.post("/api/v1/auth/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_each_period_raises_one_ticket_per_site_once(runtime: Runtime) -> None:
    mt = runtime.maintenance
    expected = sum(1 for p in mt.plans for s in runtime.inventory.sites if tasks_for(p, s))
    monday = local(12, 7, 9)
    with runtime.sessions.begin() as s:
        first = work.schedule(s, mt, monday)
    assert len(first) == expected
    with runtime.sessions.begin() as s:
        assert work.schedule(s, mt, local(12, 10, 18)) == []  # same week, same month: nothing new
    with runtime.sessions.begin() as s:
        next_week = work.schedule(s, mt, local(12, 14, 9))
    weekly = [p for p in mt.plans if p.every is Every.WEEK]
    assert len(next_week) == sum(1 for p in weekly for s in runtime.inventory.sites if tasks_for(p, s))
    with runtime.sessions() as s:
        orangi = work.list_tickets(s, mt, monday, town="orangi", plan="radio-tower")
        assert len(orangi) == 1
        t = orangi[0]
        h2 = period_of(Every.HALF_YEAR, monday, "Asia/Karachi")
        assert (t["site_id"], t["period"], t["due_at"]) == ("town-orangi", "2026-H2", h2.end.isoformat())
        assert (t["status"], t["assignee"], t["items_total"]) == ("assigned", "it-orangi", 4)
        row = s.scalar(select(ComplaintRow).where(ComplaintRow.tracking_number == t["tracking_number"]))
        assert row.channel == "internal" and row.category_id == "noc-maintenance" and row.town_id == "orangi"
        assert row.due_at <= h2.end
        assert "Repaint the tower" in row.description and "Replace the guy wires" in row.description
        # the civic centre's data centre: one ticket for all its radios, not one per radio
        dc = work.list_tickets(s, mt, monday, site="dc-civic", plan="radio-tower")
        radios = sum(1 for d in runtime.inventory.sites[0].devices if d.kind == "radio")
        assert len(dc) == 1 and dc[0]["items_total"] == 4 * radios


def test_working_the_checklist_through_the_api(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.sessions.begin() as s:
        work.schedule(s, runtime.maintenance, now, [p for p in runtime.maintenance.plans if p.id == "radio-tower"])
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        eng = login(c, "eng.orangi", "engineer pass 1")
        [t] = c.get("/api/v1/maintenance/tickets", params={"site": "town-orangi"}, headers=eng).json()
        tracking = t["tracking_number"]
        qc = login(c, "qc.one", "qc password 123")
        items = c.get(f"/api/v1/maintenance/tickets/{tracking}", headers=eng).json()["items"]
        assert c.post(f"/api/v1/maintenance/tickets/{tracking}/start", headers=qc).status_code == 403
        started = c.post(f"/api/v1/maintenance/tickets/{tracking}/start", headers=eng)
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "in_progress" and started.json()["started_by"] == "eng.orangi"
        windows = c.get("/api/v1/noc/maintenance", params={"current": True}, headers=eng).json()
        assert [(w["scope"], w["subject_id"]) for w in windows] == [("device", "radio-orangi")]
        url = f"/api/v1/maintenance/tickets/{tracking}/items"
        assert c.post(f"{url}/{items[1]['id']}", json={"result": "failed"}, headers=eng).status_code == 422
        assert c.post(f"{url}/999999", json={"result": "done"}, headers=eng).status_code == 404
        assert c.post(f"{url}/{items[0]['id']}", json={"result": "maybe"}, headers=eng).status_code == 422
        for item in items[:2]:
            assert c.post(f"{url}/{item['id']}", json={"result": "done"}, headers=eng).status_code == 200
        again = c.post(f"{url}/{items[0]['id']}", json={"result": "done"}, headers=eng)
        assert again.status_code == 409 and "ticked done by eng.orangi" in again.json()["detail"]
        failed = c.post(
            f"{url}/{items[2]['id']}",
            json={"result": "failed", "note": "Power cable cut by a rodent, no spare in stock"},
            headers=eng,
        ).json()
        fault = failed["items"][2]["fault_tracking"]
        assert fault and failed["status"] == "in_progress"
        last = c.post(f"{url}/{items[3]['id']}", json={"result": "done", "note": "new CAT6"}, headers=eng).json()
        assert last["status"] == "resolved" and last["completed_at"] and last["on_time"] is True
        assert [(i["result"], i["ticked_by"]) for i in last["items"]] == [
            ("done", "eng.orangi"),
            ("done", "eng.orangi"),
            ("failed", "eng.orangi"),
            ("done", "eng.orangi"),
        ]
        assert all(i["ticked_at"] for i in last["items"])
        assert c.get("/api/v1/noc/maintenance", params={"current": True}, headers=eng).json() == []
        f = c.get(f"/api/v1/complaints/{fault}", headers=eng).json()
        assert (f["category_id"], f["assignee"], f["status"]) == ("noc-maintenance-fault", "it-orangi", "assigned")
        assert "Power cable cut by a rodent" in f["description"] and tracking in f["description"]
        history = c.get(f"/api/v1/complaints/{tracking}", headers=eng).json()
        assert "Checklist complete: 3 of 4 items done, 1 failed" in str(history)


def test_work_started_through_the_complaint_api_opens_windows(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    mt = runtime.maintenance
    with runtime.sessions.begin() as s:
        work.schedule(s, mt, now, [p for p in mt.plans if p.id == "ups-battery"])
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        eng = login(c, "eng.gadap", "engineer pass 2")
        [t] = c.get("/api/v1/maintenance/tickets", params={"site": "town-gadap"}, headers=eng).json()
        r = c.post(f"/api/v1/complaints/{t['tracking_number']}/actions/start", json={}, headers=eng)
        assert r.status_code == 200, r.text
        with runtime.sessions.begin() as s:
            assert work.sync_windows(s, mt, datetime.now(UTC)) == 1
        windows = c.get("/api/v1/noc/maintenance", params={"current": True}, headers=eng).json()
        assert [w["subject_id"] for w in windows] == ["town-gadap-ups"]
        with runtime.sessions.begin() as s:
            assert work.sync_windows(s, mt, datetime.now(UTC)) == 0  # already in step
        c.post(f"/api/v1/complaints/{t['tracking_number']}/actions/resolve", json={"note": "done"}, headers=eng)
        with runtime.sessions.begin() as s:
            work.sync_windows(s, mt, datetime.now(UTC))
        assert c.get("/api/v1/noc/maintenance", params={"current": True}, headers=eng).json() == []
        done = c.get(f"/api/v1/maintenance/tickets/{t['tracking_number']}", headers=eng).json()
        assert done["completed_at"] is not None


def test_overdue_maintenance_is_listed(runtime: Runtime) -> None:
    mt = runtime.maintenance
    last_week = datetime.now(UTC) - timedelta(days=8)
    with runtime.sessions.begin() as s:
        work.schedule(s, mt, last_week, [p for p in mt.plans if p.id == "antivirus-signatures"])
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        noc = login(c, "noc.one", "noc password 1")
        body = c.get("/api/v1/noc/hygiene", headers=noc).json()
        overdue = body["overdue_maintenance"]
        assert len(overdue) == sum(1 for s in runtime.inventory.sites if tasks_for(mt.by_id["antivirus-signatures"], s))
        assert all(t["overdue"] and t["plan_id"] == "antivirus-signatures" for t in overdue)
        orangi = next(s for s in body["sites"] if s["site_id"] == "town-orangi")
        host = orangi["hosts"][0]
        assert host["device_id"] == "town-orangi-pc-01"
        assert host["os_updates"] == {"available": None, "reason": "not reported yet"}  # never heard: not healthy
        assert host["compliant"] == {"patches": False, "signatures": False}
        assert {p["kind"] for p in orangi["peripherals"]} == {"printer", "ip_phone"}


def test_it_queues_are_real(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        noc = login(c, "noc.one", "noc password 1")
        queues = {q["id"]: q for q in c.get("/api/v1/noc/queues", headers=noc).json()}
    assert queues["it-orangi"]["members"] == ["eng.orangi"] and queues["it-orangi"]["staffed"]
    assert queues["it-keamari"] == {**queues["it-keamari"], "members": [], "staffed": False}
    assert queues["it-noc"]["members"] == ["noc.one"]
    assert len(queues) == 19  # 18 towns and the NOC


def test_windows_hide_planned_work_from_health(runtime: Runtime) -> None:
    """The windows a started ticket opens are the ones the health evaluator reads, until the period's end."""
    mt = runtime.maintenance
    now = datetime.now(UTC)
    with runtime.sessions.begin() as s:
        work.schedule(s, mt, now, [mt.by_id["network-health"]])
    with runtime.sessions.begin() as s:
        [t] = work.list_tickets(s, mt, now, site="town-orangi", plan="network-health")
        work.start(s, mt, tracking=t["tracking_number"], actor=Actor.system("noc"), now=now)
    with runtime.sessions() as s:
        assert "town-orangi-sw" in active_maintenance(s, now + timedelta(seconds=1))
        [w] = s.scalars(select(nm.MaintenanceWindow)).all()
        assert w.ends_at == datetime.fromisoformat(t["due_at"])
