"""Area notices through the API on both databases: who may publish where, what is refused (a clear 4xx), a
notice published ahead is not shown nor sent before it starts, then reaches only confirmed subscribers once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from complaint_core.adapters.orm import Notification
from noc_api.accounts.service import add_user
from noc_api.app import create_app
from noc_api.health.maintenance import add_window
from noc_api.notices import service
from noc_api.runtime import build
from noc_api.settings import load_settings

USERS = {"noc.desk": ("noc", None), "head.orangi": ("town_head", "orangi"), "clerk": ("call_centre_agent", None)}


@pytest.fixture
def api(db_url: str, inventory_path: Path, tmp_path: Path) -> Iterator[tuple[TestClient, dict, object]]:
    settings = load_settings(
        database_url=db_url, inventory=inventory_path, env="test", secret_key="n" * 32, run_scheduler=False,
        attachments_dir=tmp_path / "att", preventive_maintenance=False,
    )  # fmt: skip
    rt = build(settings)
    with rt.sessions.begin() as s:
        for name, (role, town) in USERS.items():
            add_user(s, username=name, password=f"{name} password", role=role, town=town)
    with TestClient(create_app(settings, runtime=rt)) as client:
        heads = {}
        for name in USERS:  # bearer tokens only: the jar's session cookie would need an Origin
            r = client.post("/api/v1/auth/login", json={"username": name, "password": f"{name} password"})
            heads[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        client.cookies.clear()
        yield client, heads, rt
    rt.engine.dispose()


def _notice(**over: object) -> dict:
    return {"kind": "water_cut", "title": "No water in Orangi UC-2", "body": "Main line repair until 18:00",
            "town_id": "orangi", "ward": "Orangi UC-2", **over}  # fmt: skip


def test_who_may_publish_where(api) -> None:
    client, h, rt = api
    assert client.post("/api/v1/notices", json=_notice(), headers=h["head.orangi"]).status_code == 201
    other = client.post("/api/v1/notices", json=_notice(town_id="lyari", ward=None), headers=h["head.orangi"])
    assert other.status_code == 403 and "own town" in other.json()["detail"]
    city = client.post("/api/v1/notices", json=_notice(town_id=None, ward=None), headers=h["head.orangi"])
    assert city.status_code == 403
    assert client.post("/api/v1/notices", json=_notice(), headers=h["clerk"]).status_code == 403
    assert client.post("/api/v1/notices", json=_notice(), headers=h["noc.desk"]).status_code == 201
    assert client.post("/api/v1/notices", json=_notice()).status_code == 401
    bad = {
        "unknown town": _notice(town_id="atlantis", ward=None),
        "is not a ward of Orangi": _notice(ward="Lyari UC-1"),
        "ends_at must be after starts_at": _notice(
            starts_at="2030-01-02T10:00:00+05:00", ends_at="2030-01-02T09:00:00+05:00"
        ),  # fmt: skip
        "already be over": _notice(starts_at="2020-01-01T00:00:00+00:00", ends_at="2020-01-02T00:00:00+00:00"),
    }
    for why, body in bad.items():
        r = client.post("/api/v1/notices", json=body, headers=h["noc.desk"])
        assert r.status_code == 422 and why in r.json()["detail"], (why, r.text)
    assert client.post("/api/v1/notices", json=_notice(kind="channel_down"), headers=h["noc.desk"]).status_code == 422
    shown = client.get("/api/v1/notices", params={"town": "orangi"}).json()
    assert len(shown) == 2 and not any(n["automatic"] for n in shown)
    assert client.get("/api/v1/notices", params={"town": "lyari"}).json() == []
    gone = client.post(f"/api/v1/notices/{shown[0]['id']}/withdraw", headers=h["head.orangi"])
    assert gone.status_code == 200 and gone.json()["withdrawn_at"]
    assert len(client.get("/api/v1/notices").json()) == 1
    assert client.post("/api/v1/notices/99999/withdraw", headers=h["noc.desk"]).status_code == 404
    assert len(client.get("/api/v1/notices/history", headers=h["clerk"]).json()) == 2
    with rt.sessions.begin() as s:  # the NOC's own notice for a closed counter: only its recovery withdraws it
        auto = service.publish(s, rt.notice_area, kind="counter_closed", title="Orangi walk-in counter closed",
                               body="", town_id="orangi", ward=None, starts_at=datetime.now(UTC), ends_at=None,
                               by="noc", now=datetime.now(UTC), auto_key="channel:walk-in-orangi").id  # fmt: skip
    refused = client.post(f"/api/v1/notices/{auto}/withdraw", headers=h["noc.desk"])
    assert refused.status_code == 409 and "automatic" in refused.json()["detail"]


def test_a_notice_ahead_waits_then_reaches_confirmed_subscribers_once(api) -> None:
    client, h, rt = api
    now = datetime.now(UTC)
    with rt.sessions.begin() as s:
        confirmed = service.request_subscription(s, rt.notice_area, "k", medium="sms", address="03001234567",
                                                 town_id="orangi", ward=None, now=now)  # fmt: skip
        confirmed.confirmed_at = now
        service.request_subscription(s, rt.notice_area, "k", medium="email", address="idle@example.org",
                                     town_id="orangi", ward=None, now=now)  # fmt: skip
        city = service.request_subscription(s, rt.notice_area, "k", medium="email", address="all@example.org",
                                            town_id=None, ward=None, now=now)  # fmt: skip
        city.confirmed_at = now
        lyari = service.request_subscription(s, rt.notice_area, "k", medium="sms", address="03007654321",
                                             town_id="lyari", ward=None, now=now)  # fmt: skip
        lyari.confirmed_at = now
    start = now + timedelta(hours=2)
    r = client.post("/api/v1/notices", json=_notice(starts_at=start.isoformat()), headers=h["noc.desk"])
    assert r.status_code == 201
    assert client.get("/api/v1/notices").json() == []
    with rt.sessions.begin() as s:
        assert service.fan_out_due(s, now) == 0
        assert service.fan_out_due(s, start + timedelta(seconds=1)) == 2
        assert service.fan_out_due(s, start + timedelta(seconds=2)) == 0
        sent = s.scalars(select(Notification).where(Notification.reason == "notice")).all()
        assert sorted(n.to for n in sent) == ["03001234567", "all@example.org"]
        assert all(n.source == "notice" and "No water in Orangi UC-2" in n.body for n in sent)


def test_subscription_codes_refuse_bad_input(api) -> None:
    client, _h, _rt = api
    for body, why in (
        ({"medium": "sms", "address": "12ab", "town_id": "orangi"}, "mobile number"),
        ({"medium": "email", "address": "not-a-mail", "town_id": "orangi"}, "mail address"),
        ({"medium": "sms", "address": "03001234567", "town_id": None, "ward": "Orangi UC-1"}, "needs its town"),
    ):
        r = client.post("/api/v1/public/notice-subscriptions", json=body)
        assert r.status_code == 422 and why in r.json()["detail"], r.text
    r = client.post("/api/v1/public/notice-subscriptions", json={"medium": "fax", "address": "1234"})
    assert r.status_code == 422
    for _ in range(6):  # five wrong tries spend the code
        r = client.post("/api/v1/public/notice-subscriptions", json={"medium": "sms", "address": "03001112222"})
        assert r.status_code == 202
        r = client.post("/api/v1/public/notice-subscriptions/confirm",
                        json={"medium": "sms", "address": "03001112222", "code": "999999x"})  # fmt: skip
        assert r.status_code == 422


def test_maintenance_ahead_is_announced_on_the_status_board(api) -> None:
    client, _h, rt = api
    start = datetime.now(UTC) + timedelta(days=1)
    with rt.sessions.begin() as s:
        add_window(s, rt.topology, scope="site", subject_id="town-orangi", starts_at=start,
                   ends_at=start + timedelta(hours=2), note="UPS battery replacement", by="noc.desk")  # fmt: skip
    rt.status_board.rebuild(datetime.now(UTC))
    doc = client.get("/api/v1/status").json()
    [ahead] = doc["maintenance"]
    assert ahead["channels"] == ["Orangi walk-in counter"] and not ahead["now"]
    assert ahead["text"].startswith("Orangi walk-in counter: maintenance from ")
    assert ahead["text"].endswith("— UPS battery replacement")
    page = client.get("/status", headers={"accept": "text/html"}).text
    assert "UPS battery replacement" in page


def test_the_automatic_notice_names_only_channels_still_open(api) -> None:
    """A counter closes while the portal is up: its notice points there; the portal fails too: the same notice
    (not a new one, so nobody is messaged again) stops sending people to it; the counter opens: the notice goes."""
    from noc_api.health.model import ChannelHealth, HealthSnapshot, State
    from noc_api.notices.bridge import NoticeBridge

    _client, _heads, rt = api
    [bridge] = [x for x in rt.listeners if isinstance(x, NoticeBridge)]
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)

    def sweep(**states: State) -> dict[str, dict]:
        snap = HealthSnapshot(at=datetime.now(UTC), channels={
            c: ChannelHealth(c, "", None, st, since) for c, st in states.items()})  # fmt: skip
        with rt.sessions.begin() as s:
            bridge.on_health(s, snap, [], snap.at)
        with rt.sessions() as s:
            return {n["title"]: n for n in service.current(s, datetime.now(UTC)) if n["automatic"]}

    first = sweep(**{"walk-in-orangi": State.DOWN, "web-portal": State.UP})["Orangi walk-in counter closed"]
    assert first["body"].endswith(" — cause being checked; use the web portal"), first["body"]
    both = sweep(**{"walk-in-orangi": State.DOWN, "web-portal": State.DOWN})
    counter = both["Orangi walk-in counter closed"]
    assert counter["id"] == first["id"] and "web portal" not in counter["body"], counter
    assert "Citizen web portal down" in both
    assert sweep(**{"walk-in-orangi": State.UP, "web-portal": State.UP}) == {}
