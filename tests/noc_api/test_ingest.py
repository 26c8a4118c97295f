"""Ingest API on both databases: per-report results, idempotency, site checks, size limit, agent config."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from noc_api.accounts.service import issue_site_token
from noc_api.app import create_app
from noc_api.db import noc_models as nm
from noc_api.settings import load_settings
from tests.noc_api.reporter import batch, device_report, heartbeat


@pytest.fixture
def client(db_url: str, inventory_path) -> Iterator[TestClient]:
    settings = load_settings(
        database_url=db_url, inventory=inventory_path, env="test", run_scheduler=False, max_ingest_bytes=64 * 1024
    )
    with TestClient(create_app(settings)) as c:
        with c.app.state.runtime.sessions.begin() as s:
            c.headers["Authorization"] = "Bearer " + issue_site_token(s, "town-orangi")
        yield c


def _count(client: TestClient, model: type) -> int:
    with client.app.state.runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_accepts_then_answers_duplicates_and_stores_once(client: TestClient) -> None:
    readings = [{"metric": "if_oper_up", "value": 1, "labels": {"interface": f"Gi0/{i}"}} for i in range(50)]
    rep = device_report("town-orangi", "town-orangi-sw", readings=readings)
    body = batch("town-orangi", [rep, heartbeat("town-orangi", outbox_depth=3)])
    r = client.post("/api/v1/ingest", json=body)
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "accepted"]
    again = client.post("/api/v1/ingest", json=batch("town-orangi", [rep, rep]))
    assert [x["status"] for x in again.json()["results"]] == ["duplicate", "duplicate"]
    assert _count(client, nm.Point) == 50
    assert _count(client, nm.Series) == 50
    assert _count(client, nm.IngestReport) == 2
    with client.app.state.runtime.sessions() as s:
        agent = s.get(nm.AgentStatus, "town-orangi")
        assert agent.outbox_depth == 3


def test_clock_skew_is_corrected(client: TestClient) -> None:
    late = datetime.now(UTC) - timedelta(hours=1)  # the agent's clock is an hour slow
    rep = device_report("town-orangi", "town-orangi-ups", readings=[{"metric": "ups_on_battery", "value": 0}])
    rep["made_at"] = rep["device"]["collected_at"] = late.isoformat()
    r = client.post("/api/v1/ingest", json=batch("town-orangi", [rep], clock=late))
    assert r.json()["clock_skew_seconds"] == pytest.approx(3600, abs=5)
    with client.app.state.runtime.sessions() as s:
        row = s.scalar(select(nm.Series))
    assert abs(row.ts - datetime.now(UTC).timestamp()) < 5


def test_bad_ingest_gets_precise_errors(client: TestClient) -> None:
    other = device_report("town-orangi", "town-korangi-sw")
    unknown = device_report("town-orangi", "no-such-device")
    r = client.post("/api/v1/ingest", json=batch("town-orangi", [other, unknown]))
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["rejected", "rejected"]
    assert "belongs to site 'town-korangi'" in res[0]["reason"] and "unknown device" in res[1]["reason"]
    assert (
        client.post(
            "/api/v1/ingest", json=batch("town-korangi", [device_report("town-korangi", "town-korangi-sw")])
        ).status_code
        == 403
    )
    wrong = client.post(
        "/api/v1/ingest", json=batch("town-orangi", [other]), headers={"Authorization": "Bearer ccis_nope"}
    )
    assert wrong.status_code == 401 and wrong.json()["detail"] == "unknown or revoked site token"
    bad = client.post("/api/v1/ingest", json={"site_id": "town-orangi", "reports": []})
    assert bad.status_code == 422 and "agent_clock" in bad.json()["detail"]
    junk = client.post("/api/v1/ingest", content=b"{not json", headers={"content-type": "application/json"})
    assert junk.status_code == 422
    big = [
        device_report(
            "town-orangi", "town-orangi-sw", readings=[{"metric": "host_load1", "value": 1.0, "text": "x" * 190}] * 400
        )
    ]
    huge = client.post("/api/v1/ingest", json=batch("town-orangi", big))
    assert huge.status_code == 413 and "exceeds the limit of 65536 bytes" in huge.json()["detail"]
    assert _count(client, nm.IngestReport) == 0 and _count(client, nm.Point) == 0


def test_agent_config_with_etag(client: TestClient) -> None:
    r = client.get("/api/v1/agents/town-orangi/config")
    assert r.status_code == 200
    cfg = r.json()
    assert {d["id"] for d in cfg["devices"]} >= {"radio-orangi", "town-orangi-sw", "town-orangi-pc-01"}
    assert r.headers["etag"] == f'"{cfg["config_id"]}"'
    assert (
        client.get("/api/v1/agents/town-orangi/config", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    )
    assert client.get("/api/v1/agents/town-korangi/config").status_code == 403
