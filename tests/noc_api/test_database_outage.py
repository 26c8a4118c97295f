"""PostgreSQL drops every connection of a running `ccis serve` under load: requests meanwhile get a JSON 503
(never a 500), and the server recovers by itself, without a restart."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from noc_api.accounts.service import add_user
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.inventory import load_inventory
from noc_api.inventory.sync import sync_inventory
from tests.support import ccis_serve, wait_for


def test_connections_terminated_under_load_give_503_then_recover(
    module_postgres: str, inventory_path: Path, tmp_path: Path
) -> None:
    engine = make_engine(module_postgres)
    upgrade(engine)
    with make_session_factory(engine).begin() as s:
        sync_inventory(s, load_inventory(inventory_path))
        add_user(s, username="noc.one", password="noc password 1", role="noc")
    engine.dispose()
    env = {
        "CCIS_DATABASE_URL": module_postgres,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_STATE_DIR": str(tmp_path),
        "PGAPPNAME": "ccis-outage-test",  # libpq's name for the server's connections: only they are cut
    }
    with ccis_serve(env, tmp_path / "serve.log") as url:
        login = httpx.post(f"{url}/api/v1/auth/login", json={"username": "noc.one", "password": "noc password 1"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        statuses: list[int] = []
        bodies: list[str] = []
        stop = threading.Event()

        def load() -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=30) as c:
                for _ in range(2000):  # bounded
                    if stop.is_set():
                        return
                    try:
                        r = c.get("/api/v1/noc/outages")
                    except httpx.TransportError as exc:  # a dropped connection is a failure too, never a quiet one
                        statuses.append(0)
                        bodies.append(repr(exc))
                        continue
                    statuses.append(r.status_code)
                    if r.status_code != 200:
                        bodies.append(r.text)

        workers = [threading.Thread(target=load) for _ in range(4)]
        for w in workers:
            w.start()
        wait_for("the load to run", lambda: len(statuses) > 20)
        admin = create_engine(module_postgres.split("?")[0])
        with admin.begin() as conn:  # every connection of the server, as a failover or an admin would do
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'ccis-outage-test'"
                )
            ).scalar()
        admin.dispose()
        seen = len(statuses)
        wait_for("answers after the cut", lambda: len(statuses) > seen + 50)
        stop.set()
        for w in workers:
            w.join(60)
        print(f"answers: {len(statuses)}, 503s: {statuses.count(503)}, connections cut: {killed}")
        assert killed and killed > 0
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert set(statuses) <= {200, 503}, f"unexpected answers: {sorted(set(statuses))} {bodies[:3]} {log[-3000:]}"
        assert all('"status":503' in b for b in bodies), bodies[:3]
        assert httpx.get(f"{url}/api/v1/noc/outages", headers=headers, timeout=30).status_code == 200
        assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200
