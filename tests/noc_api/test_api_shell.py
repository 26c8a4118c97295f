"""The API shell on both databases: /healthz, inventory reads, JSON errors, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from noc_api.accounts.service import add_user
from noc_api.app import create_app
from noc_api.settings import load_settings

CITY_SITES = {"dc-civic", "cc-1339", "qc-centre", "civic-walkin", "kbca", "kwsb"}


@pytest.fixture
def client(db_url: str, inventory_path) -> Iterator[TestClient]:
    """A client logged in as NOC staff (the inventory is not public)."""
    settings = load_settings(database_url=db_url, inventory=inventory_path, env="test")
    with TestClient(create_app(settings)) as c:
        with c.app.state.runtime.sessions.begin() as s:  # type: ignore[attr-defined]
            add_user(s, username="noc.one", password="pw-1234567890", role="noc")
        login = c.post("/api/v1/auth/login", json={"username": "noc.one", "password": "pw-1234567890"})
        c.headers["authorization"] = f"Bearer {login.json()['access_token']}"
        yield c


def test_the_inventory_is_for_staff_only(client: TestClient) -> None:
    client.cookies.clear()
    for path in ("/api/v1/sites", "/api/v1/sites/town-orangi", "/api/v1/devices", "/api/v1/channels"):
        r = client.get(path, headers={"authorization": ""})
        assert r.status_code == 401, (path, r.status_code)


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["checks"] == {"database": "ok", "migrations": "current"}
    assert body["inventory"]["sites"] == 24


def test_sites_list_the_city(client: TestClient) -> None:
    sites = client.get("/api/v1/sites").json()
    ids = {s["id"] for s in sites}
    assert ids >= CITY_SITES
    towns = [s for s in sites if s["id"].startswith("town-")]
    assert len(towns) == 18 and all(s["kind"] == "town_office" for s in towns)
    assert {s["id"] for s in client.get("/api/v1/sites", params={"kind": "agency_office"}).json()} == {
        "kbca",
        "kwsb",
    }


def test_site_detail_and_404(client: TestClient) -> None:
    orangi = client.get("/api/v1/sites/town-orangi").json()
    assert orangi["town_id"] == "orangi" and orangi["uplink"] == "radio-orangi-dc"
    assert {d["id"] for d in orangi["devices"]} == {
        "radio-orangi",
        "town-orangi-sw",
        "town-orangi-ups",
        "town-orangi-pc-01",
        "town-orangi-pc-02",
        "town-orangi-printer",
        "town-orangi-phone",
    }
    assert [c["id"] for c in orangi["channels"]] == ["walk-in-orangi"]
    r = client.get("/api/v1/sites/atlantis")
    assert r.status_code == 404 and r.json() == {"detail": "no site 'atlantis'", "status": 404}


def test_devices_and_channels(client: TestClient) -> None:
    radios = client.get("/api/v1/devices", params={"kind": "radio"}).json()
    assert len(radios) == 2 * 20 + 1  # both ends for 18 towns, KBCA and KW&SB, plus the south access point
    cc = client.get("/api/v1/devices", params={"site": "cc-1339", "kind": "workstation"}).json()
    assert len(cc) == 25
    channels = {c["id"]: c for c in client.get("/api/v1/channels").json()}
    assert channels["walk-in-orangi"]["requires"]["all"][0] == "town-orangi-sw"
    assert "call-centre-1339" in channels and "web-portal" in channels


def test_errors_are_json_with_a_message(client: TestClient) -> None:
    r = client.get("/api/v1/devices", params={"limit": "lots"})
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and "query.limit" in body["detail"]
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["detail"] == "Not Found"


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/healthz",
        "/api/v1/sites",
        "/api/v1/sites/{site_id}",
        "/api/v1/devices",
        "/api/v1/channels",
    } <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_healthz_names_a_job_that_keeps_failing(db_url: str, inventory_path, tmp_path) -> None:
    """The real scheduler runs a job that fails run after run: /healthz says 503 and names it; once it succeeds
    again, 200."""
    from tests.support import wait_for

    settings = load_settings(
        database_url=db_url, inventory=inventory_path, env="test", run_scheduler=True, leader_lease_seconds=1
    )
    broken = {"yes": True}

    def report(now) -> None:
        if broken["yes"]:
            raise RuntimeError("the mail relay refused us")

    with TestClient(create_app(settings)) as c:
        c.app.state.runtime.scheduler.add_job("nightly_report", report, 0.1)
        body = wait_for("/healthz 503", lambda: (r := c.get("/healthz")).status_code == 503 and r.json())
        assert body["status"] == "unhealthy"
        assert (
            "nightly_report failed" in body["checks"]["jobs"] and "the mail relay refused us" in body["checks"]["jobs"]
        )
        assert 'ccis_scheduler_job_consecutive_failures{job="nightly_report"}' in c.get("/metrics").text
        broken["yes"] = False
        wait_for("/healthz 200 again", lambda: c.get("/healthz").status_code == 200)
