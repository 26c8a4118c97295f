"""The MIS (API and /mis page) and the public service-delivery page read a real streaming replica
(CCIS_READ_DATABASE_URL).

A PostgreSQL primary and its hot standby are started for the test; `ccis serve` writes to the primary and reads
its reports from the standby. Complaints lodged through the API show in the MIS once the standby has replayed
them. That the MIS really reads the standby is shown twice: with the standby's replay paused a complaint the
primary already holds is not in the MIS, and with the standby stopped the MIS answers a 503 naming the replica
while registration goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from noc_api.accounts.service import add_user
from noc_api.runtime import build
from noc_api.security import SESSION_COOKIE
from noc_api.settings import load_settings
from tests.replica import Pair, ReplicaSetupError, streaming_pair
from tests.support import ccis_serve

KHI = ZoneInfo("Asia/Karachi")


def _complaint(n: int) -> dict:
    phone = f"0300 12345{n:02d}"
    return {
        "channel": "call_centre",
        "category": "garbage",
        "description": f"Garbage not lifted for three days near the mosque (call {n})",
        "citizen_name": "Ayesha Khan",
        "phone": phone,
        "town": "orangi",
        "channel_data": {"caller_number": phone, "call_ref": f"rec-{n:04d}"},
    }


def _client(url: str, user: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=30)
    login = c.post("/api/v1/auth/login", json={"username": user, "password": password})
    assert login.status_code == 200, login.text
    c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    c.cookies.set(SESSION_COOKIE, login.json()["access_token"])  # for the /mis page
    return c


@pytest.fixture
def pair() -> Iterator[Pair]:
    """A primary and its streaming standby; a machine that cannot start them fails the test, saying why."""
    stack = contextlib.ExitStack()
    try:
        started = stack.enter_context(streaming_pair())
    except ReplicaSetupError as exc:
        pytest.fail(f"could not start a PostgreSQL primary and standby: {exc}")
    with stack:
        yield started


def test_mis_reads_the_streaming_replica(pair: Pair, inventory_path: Path, tmp_path: Path) -> None:
    env = {
        "CCIS_DATABASE_URL": pair.primary.url,
        "CCIS_READ_DATABASE_URL": pair.standby.url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "read-replica-secret-0123456789abcdef",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
    }
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        add_user(s, username="mehr.mayor", password="mayor password 1", role="mayor_office")
        add_user(s, username="asma.agent", password="agent password 1", role="call_centre_agent", site="cc-1339")
    rt.engine.dispose()
    pair.wait_replayed()  # the schema and the users are on the standby too

    with ccis_serve(env, tmp_path / "serve.log") as url:
        mayor = _client(url, "mehr.mayor", "mayor password 1")
        agent = _client(url, "asma.agent", "agent password 1")
        today = datetime.now(UTC).astimezone(KHI).date().isoformat()
        daily = {"period": "daily", "date": today}

        def received() -> int:
            answer = mayor.get("/api/v1/reports/mis", params=daily)
            assert answer.status_code == 200, answer.text
            overall = answer.json()["overall"]
            return overall["received"] if overall else 0

        assert received() == 0
        first = agent.post("/api/v1/complaints", json=_complaint(1))
        assert first.status_code == 201, first.text
        pair.wait_replayed()
        assert received() == 1

        # Replay paused: the primary holds the second complaint, the standby cannot, and the MIS says 1.
        pair.pause_replay()
        second = agent.post("/api/v1/complaints", json=_complaint(2))
        assert second.status_code == 201, second.text
        assert pair.primary.sql("SELECT count(*) FROM complaints WHERE channel = 'call_centre'") == [(2,)]
        assert received() == 1
        pair.resume_replay()
        pair.wait_replayed()
        assert received() == 2
        d = mayor.get("/api/v1/reports/mis", params=daily).json()
        assert {r["name"] for r in d["by_town"]} == {"Orangi"}
        public = httpx.get(url + "/public/service-delivery", params={"month": today[:7]}, timeout=30)
        assert public.status_code == 200 and "Orangi" in public.text
        page = mayor.get("/mis", params={"period": "daily", "day": today})
        assert page.status_code == 200 and "Orangi" in page.text, page.text[-1000:]

        # The standby stopped: reports answer a clear 503, registration still works on the primary.
        pair.stop(pair.standby)
        down = mayor.get("/api/v1/reports/mis", params=daily)
        assert down.status_code == 503, down.text
        assert "read replica" in down.json()["detail"] and down.headers["retry-after"]
        assert httpx.get(url + "/public/service-delivery", timeout=30).status_code == 503
        assert mayor.get("/mis", params={"period": "daily", "day": today}).status_code == 503
        third = agent.post("/api/v1/complaints", json=_complaint(3))
        assert third.status_code == 201, third.text
        assert agent.get(f"/api/v1/complaints/{third.json()['tracking_number']}").status_code == 200


def test_a_read_replica_is_a_postgresql_one_of_a_postgresql_primary(tmp_path: Path) -> None:
    from noc_api.settings import SettingsError

    pg = "postgresql://ccis@db.example/ccis"
    ok = load_settings(database_url=pg, read_database_url="postgres://ccis@replica.example/ccis", state_dir=tmp_path)
    assert ok.read_database_url == "postgresql+psycopg://ccis@replica.example/ccis"
    for primary, replica, words in (
        (pg, f"sqlite:///{tmp_path / 'r.db'}", "CCIS_READ_DATABASE_URL: Value error, must be a postgresql://"),
        (f"sqlite:///{tmp_path / 'p.db'}", pg, "CCIS_READ_DATABASE_URL needs CCIS_DATABASE_URL on PostgreSQL"),
    ):
        with pytest.raises(SettingsError, match=words.replace(".", r"\.")):
            load_settings(database_url=primary, read_database_url=replica, state_dir=tmp_path)
