"""kill -9 of `ccis serve` in the middle of registrations and of ingest, on both databases: every complaint and
report the server acknowledged is there after the restart, and the clients' resends (same Idempotency-Key, same
report ids) are answered without doing anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from complaint_core.adapters.orm import ComplaintRow
from noc_api.accounts.service import add_user, issue_site_token
from noc_api.db import noc_models as nm
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.inventory import load_inventory
from noc_api.inventory.sync import sync_inventory
from tests.noc_api.reporter import batch, device_report
from tests.support import ROOT, free_port, wait_for

PASSWORD = "agent password 1"
SITE = "town-orangi"
ACKED_BEFORE_KILL = 15


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`ccis serve` in its own process group, so kill -9 takes it whole."""
    port = free_port()
    full = {**os.environ, "CCIS_ENV": "test", **env, "CCIS_HOST": "127.0.0.1", "CCIS_PORT": str(port)}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ccis.cli", "serve"], env=full, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            return httpx.get(url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for("ccis serve to answer /healthz", answers, timeout=120, interval=0.2)
        yield url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def _kill_9(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


@pytest.fixture
def city(db_url: str, inventory_path: Path, tmp_path: Path) -> tuple[dict[str, str], str]:
    engine = make_engine(db_url)
    upgrade(engine)
    with make_session_factory(engine).begin() as s:
        sync_inventory(s, load_inventory(inventory_path))
        add_user(s, username="agent.one", password=PASSWORD, role="call_centre_agent")
        token = issue_site_token(s, SITE)
    engine.dispose()
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_STATE_DIR": str(tmp_path / "var"),
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "CCIS_RUN_SCHEDULER": "false",
    }
    return env, token


def _count(db_url: str, what: Callable) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as c:
            return int(c.execute(what()).scalar_one())
    finally:
        engine.dispose()


def _until_killed(send: Callable[[int], bool], proc: subprocess.Popen) -> int:
    """Four clients send until the server has acknowledged enough, then the server is killed under them; returns
    how many requests were tried."""
    acked = threading.Semaphore(0)
    dead = threading.Event()
    tried = iter(range(10_000))
    lock = threading.Lock()
    count = [0]

    def client() -> None:
        while not dead.is_set():
            with lock:
                i = next(tried)
                count[0] = i + 1
            try:
                if send(i):
                    acked.release()
            except httpx.HTTPError:
                if dead.is_set():
                    return  # the server is gone: this request's answer was lost
                raise

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(client) for _ in range(4)]
        for _ in range(ACKED_BEFORE_KILL):
            assert acked.acquire(timeout=120), "the server acknowledged too few requests"
        dead.set()
        _kill_9(proc)  # requests are in flight on every client now
        for f in futures:
            f.result()
    return count[0]


def test_kill_9_during_registration_loses_and_doubles_nothing(city, db_url: str, tmp_path: Path) -> None:
    env, _ = city
    keys = [uuid.uuid4().hex for _ in range(10_000)]
    answered: dict[str, str] = {}  # key -> tracking number the server acknowledged

    def body(i: int) -> dict:
        return {
            "channel": "call_centre",
            "category": "garbage",
            "town": "orangi",
            "description": f"Garbage not lifted, street {i}",
            "citizen_name": "Ayesha Khan",
            "phone": "0300 1234567",
            "channel_data": {"caller_number": "0300 1234567", "call_ref": f"rec-{i:05d}"},
        }

    with _server(env, tmp_path / "serve.log") as (url, proc):
        bearer = {"Authorization": "Bearer " + _token(url)}

        def send(i: int) -> bool:
            r = httpx.post(f"{url}/api/v1/complaints", json=body(i), timeout=60,
                           headers={**bearer, "Idempotency-Key": keys[i]})  # fmt: skip
            assert r.status_code == 201, r.text
            answered[keys[i]] = r.json()["tracking_number"]
            return True

        tried = _until_killed(send, proc)
    stored = _count(db_url, lambda: select(func.count()).select_from(ComplaintRow))
    assert stored >= len(answered) >= ACKED_BEFORE_KILL  # nothing acknowledged was lost...
    assert stored <= tried  # ...and nothing was made up
    with _server(env, tmp_path / "serve.log") as (url, _):
        bearer = {"Authorization": "Bearer " + _token(url)}
        for i in range(tried):  # every client resends what it sent, answered or not
            r = httpx.post(f"{url}/api/v1/complaints", json=body(i), timeout=60,
                           headers={**bearer, "Idempotency-Key": keys[i]})  # fmt: skip
            if keys[i] in answered:
                assert r.status_code == 200 and r.json()["tracking_number"] == answered[keys[i]], r.text
            else:  # lost in the crash (201 now) or committed with its answer lost (200 now): either way once
                assert r.status_code in (200, 201), r.text
    assert _count(db_url, lambda: select(func.count()).select_from(ComplaintRow)) == tried  # once each
    numbers = select(func.count()).where(ComplaintRow.tracking_number.in_(list(answered.values())))
    assert _count(db_url, lambda: numbers) == len(set(answered.values())) == len(answered)  # each its own number


def test_kill_9_during_ingest_loses_and_doubles_nothing(city, db_url: str, tmp_path: Path) -> None:
    env, token = city
    agent = {"Authorization": f"Bearer {token}"}
    batches = [
        batch(SITE, [device_report(SITE, "town-orangi-ups", readings=[{"metric": "ups_load_ratio", "value": 0.4}])])
        for _ in range(10_000)
    ]
    acked: set[str] = set()
    with _server(env, tmp_path / "serve.log") as (url, proc):

        def send(i: int) -> bool:
            r = httpx.post(f"{url}/api/v1/ingest", json=batches[i], headers=agent, timeout=60)
            assert r.status_code == 200, r.text
            [result] = r.json()["results"]
            assert result["status"] == "accepted", result
            acked.add(result["report_id"])
            return True

        tried = _until_killed(send, proc)
    reports = lambda: select(func.count()).select_from(nm.IngestReport)  # noqa: E731
    assert _count(db_url, reports) >= len(acked) >= ACKED_BEFORE_KILL
    with _server(env, tmp_path / "serve.log") as (url, _):
        for i in range(tried):  # the agent resends its outbox: what arrived before is a duplicate, not a second copy
            r = httpx.post(f"{url}/api/v1/ingest", json=batches[i], headers=agent, timeout=60)
            [result] = r.json()["results"]
            expected = {"duplicate"} if result["report_id"] in acked else {"accepted", "duplicate"}
            assert r.status_code == 200 and result["status"] in expected, result
    assert _count(db_url, reports) == tried
    raw = lambda: select(func.count()).select_from(nm.Point)  # noqa: E731
    assert _count(db_url, raw) == tried  # one reading per report, never stored twice


def _token(url: str) -> str:
    r = httpx.post(f"{url}/api/v1/auth/login", json={"username": "agent.one", "password": PASSWORD}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]
