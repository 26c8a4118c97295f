"""The public status board with the shipped inventory and 90 days of history: each public channel down for half
an hour every day (an outage row each), so every day bar and the past incidents have work to do.

Times building the whole document from the database (what the scheduler job does every
CCIS_STATUS_INTERVAL_SECONDS), and answering from the server's copy (what a citizen's request costs); the same
run's ceiling is one bare database round trip, which the cached answer must not need.

    .venv/bin/python bench/bench_status.py [--backends sqlite,postgres] [--days 90]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.common import database
from noc_api.app import create_app
from noc_api.db import noc_models as nm
from noc_api.runtime import build
from noc_api.settings import load_settings
from noc_api.status.board import build_document


def fill(rt, days: int, now: datetime) -> int:
    rows = 0
    with rt.sessions.begin() as s:
        for ch in rt.status_board.inputs.channels:
            t = now - timedelta(days=days)
            while t < now - timedelta(hours=1):
                down = t + timedelta(hours=23, minutes=30)
                s.add(nm.StateInterval(scope="channel", subject_id=ch.id, state="up", reason="", started_at=t,
                                       ended_at=down))  # fmt: skip
                s.add(nm.StateInterval(scope="channel", subject_id=ch.id, state="down", reason="power",
                                       started_at=down, ended_at=down + timedelta(minutes=30)))  # fmt: skip
                s.add(nm.OutageRow(scope="site", subject_id=ch.id, site_id=None, town_id=ch.town_id, cause="power",
                                   started_at=down, ended_at=down + timedelta(minutes=30), channels=[ch.id],
                                   affected=[]))  # fmt: skip
                t = down + timedelta(minutes=30)
                rows += 3
            s.add(nm.StateInterval(scope="channel", subject_id=ch.id, state="up", reason="", started_at=t))
    return rows


def timed(fn, n: int) -> float:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--days", type=int, default=90)
    args = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.backends.split(","):
            with database(kind, Path(tmp)) as url:
                rt = build(load_settings(database_url=url, inventory=root / "inventory.yaml", env="test",
                                         secret_key="b" * 32, run_scheduler=False))  # fmt: skip
                now = datetime.now(UTC)
                rows = fill(rt, args.days, now)
                board = rt.status_board
                with rt.sessions() as s:
                    build_ms = timed(lambda s=s, b=board, at=now: build_document(s, b.inputs, at), 5)
                    trip_ms = timed(lambda s=s: s.execute(text("SELECT 1")).scalar(), 200)
                board.rebuild(now)
                cached_ms = timed(board.encoded, 2000)
                doc = board.get() or {}
                print(f"{kind}: {len(doc['channels'])} channels x {args.days} days ({rows} rows): build "
                      f"{build_ms:.1f} ms (median of 5); copy ({len(board.encoded()) // 1024} KiB JSON) "
                      f"answered in {cached_ms * 1000:.1f} us "
                      f"(median of 2000) vs one bare database round trip {trip_ms * 1000:.1f} us (ceiling); "
                      f"past incidents listed {len(doc['incidents']['past'])}")  # fmt: skip
                assert cached_ms < trip_ms, "the cached answer must cost less than any database round trip"
                with TestClient(create_app(rt.settings, runtime=rt)) as client:
                    page_ms = timed(lambda c=client: c.get("/status", headers={"accept": "text/html"}), 20)
                    size = len(client.get("/status").content) // 1024
                print(
                    f"{kind}: /status page ({size} KiB HTML) rendered from the copy in {page_ms:.1f} ms (median of 20)"
                )
                rt.engine.dispose()


if __name__ == "__main__":
    main()
