"""The API shell on both databases: /healthz, inventory reads, JSON errors, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from noc_api.app import create_app
from noc_api.settings import load_settings

CITY_SITES = {"dc-civic", "cc-1339", "qc-centre", "civic-walkin", "kbca", "kwsb"}


@pytest.fixture
def client(db_url: str, inventory_path) -> Iterator[TestClient]:  # noqa: ANN001
    settings = load_settings(database_url=db_url, inventory=inventory_path, env="test")
    with TestClient(create_app(settings)) as c:
        yield c


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
