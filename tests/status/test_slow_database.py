"""The status page keeps answering while the database cannot: with the board's tables locked on PostgreSQL (every
read of them waits), `/status` and `/api/v1/status` still answer from the server's copy, saying how old it is;
once the lock goes, the copy moves on."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.status.city import status_env
from tests.support import ccis_serve, wait_for

LOCKED = "status_snapshots, state_intervals, area_notices"


def test_status_answers_from_memory_while_the_tables_are_locked(
    module_postgres: str, inventory_path: Path, tmp_path: Path
) -> None:
    env = status_env(module_postgres, inventory_path, tmp_path)
    with ccis_serve(env, tmp_path / "serve.log") as url:
        first = wait_for("a stored board", lambda: httpx.get(url + "/api/v1/status", timeout=10).json())["as_of"]
        wait_for("a newer board", lambda: httpx.get(url + "/api/v1/status", timeout=10).json()["as_of"] != first)
        db = create_engine(module_postgres)
        with db.connect() as conn:
            conn.execute(text(f"LOCK TABLE {LOCKED} IN ACCESS EXCLUSIVE MODE"))
            # The server's refreshes (the leader's rebuild, the copy's reload) now wait on the lock ...
            wait_for("a server read waiting on the lock", lambda: _waiting(db))
            held = httpx.get(url + "/api/v1/status", timeout=10)
            assert held.status_code == 200
            page = httpx.get(url + "/status", headers={"accept": "text/html"}, timeout=10)
            # ... and the public still gets the last copy, with its time.
            assert page.status_code == 200 and "As of" in page.text and "Orangi walk-in counter" in page.text
            assert httpx.get(url + "/api/v1/status", timeout=10).json()["as_of"] == held.json()["as_of"]
            conn.rollback()
        after = held.json()["as_of"]
        wait_for("the board moving on", lambda: httpx.get(url + "/api/v1/status", timeout=10).json()["as_of"] > after)
        db.dispose()


def _waiting(db) -> bool:
    with db.connect() as c:
        return bool(c.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar())
