"""Planned work gets internal tickets by hand for a maintenance window (the preventive plans: tests/maintenance)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from complaint_core.adapters.orm import ComplaintRow
from noc_api.accounts.service import add_user
from noc_api.app import create_app
from noc_api.runtime import Runtime


@pytest.fixture(autouse=True)
def staff(runtime: Runtime) -> None:
    with runtime.sessions.begin() as s:
        add_user(s, username="eng.gadap", password="engineer pass 1", role="engineer")
        add_user(s, username="qc.one", password="qc password 123", role="qc_officer")


def test_engineer_raises_a_ticket_for_a_maintenance_window(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        c.headers["Origin"] = "http://testserver"  # as the NOC console's own pages send it (cookie session)
        qc = c.post("/api/v1/auth/login", json={"username": "qc.one", "password": "qc password 123"})
        assert (
            c.post(
                "/api/v1/noc/maintenance/1/ticket",
                json={},
                headers={"Authorization": f"Bearer {qc.json()['access_token']}"},
            ).status_code
            == 403
        )
        c.post("/api/v1/auth/login", json={"username": "eng.gadap", "password": "engineer pass 1"})
        w = c.post(
            "/api/v1/noc/maintenance",
            json={
                "scope": "device",
                "subject_id": "radio-gadap",
                "starts_at": "2026-12-01T05:00:00Z",
                "ends_at": "2026-12-01T09:00:00Z",
                "note": "Tower repaint",
            },
        ).json()
        r = c.post(f"/api/v1/noc/maintenance/{w['id']}/ticket", json={"note": "Crew of three"})
        assert r.status_code == 201, r.text
        again = c.post(f"/api/v1/noc/maintenance/{w['id']}/ticket", json={})
        assert again.json()["tracking_number"] == r.json()["tracking_number"]
        missing = c.post("/api/v1/noc/maintenance/999/ticket", json={})
        assert missing.status_code == 404 and missing.json()["detail"] == "no maintenance window 999"
    with runtime.sessions() as s:
        [t] = s.scalars(select(ComplaintRow).where(ComplaintRow.channel == "internal")).all()
        assert (t.category_id, t.town_id) == ("noc-maintenance", "gadap")
        assert "radio-gadap" in t.description and "Tower repaint" in t.description and "Crew of three" in t.description
