"""Server-side render time of the workspace's queue page and complaint page with 1,000,000 complaints.

Fills the database with bench_queue_search's bulk loader, starts a real `ccis serve`, logs in through the login
form and reads each page's Server-Timing (from the page's first dependency to the rendered body) and the
loopback round trip. The ceiling is the same measure for the login page, which reads no complaint.
Target: <= 300 ms for the queue and the complaint page.

    .venv/bin/python bench/bench_pages.py [--rows 1000000] [--repeat 20] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import fresh_database, percentile  # noqa: E402
from bench.bench_queue_search import bulk_load  # noqa: E402
from bench.common import ccis_serve  # noqa: E402
from complaint_core.lifecycle import Command  # noqa: E402
from complaint_core.roles import Actor  # noqa: E402
from complaint_core.services.actions import act  # noqa: E402
from complaint_core.services.registration import register_complaint  # noqa: E402
from noc_api.accounts.service import add_user  # noqa: E402
from noc_api.runtime import build  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402

TARGET_MS = 300.0
USERS = {"bench.thead": ("town_head", "orangi", None), "bench.lme": ("lme", "orangi", "solid-waste")}


def prepare(url: str, rows: int, tmp: Path) -> str:
    """1M bulk complaints, two users, and one complaint with a real history; returns its number."""
    rt = build(load_settings(database_url=url, inventory=ROOT / "inventory.yaml", attachments_dir=tmp / "att"))
    with rt.engine.begin() as conn:
        towns = [r[0] for r in conn.execute(text("SELECT id FROM towns ORDER BY id"))]
        cats = [
            tuple(r)
            for r in conn.execute(
                text("SELECT id, department_id FROM categories WHERE parent_id IS NULL AND department_id != 'it'")
            )
        ]
        bulk_load(conn, rt.engine.dialect.name, rows, towns, cats)
    with rt.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    now = datetime.now(UTC)
    system = Actor.system("bench")
    with rt.sessions.begin() as s:
        for name, (role, town, dept) in USERS.items():
            add_user(s, username=name, password=f"{name} password", role=role, town=town, department=dept)
        phone = "0300 1234567"
        body = {"channel": "call_centre", "category": "garbage", "town": "orangi", "ward": "Orangi UC-1",
                "description": "Garbage heap beside the market", "citizen_name": "Bench Citizen",
                "phone": phone, "channel_data": {"caller_number": phone, "call_ref": "bench"}}  # fmt: skip
        cfg = rt.desk.config
        number = register_complaint(
            s, data=body, actor=system, directory=rt.desk.directory(s), now=now, config=cfg
        ).tracking_number
        for a in ("assign", "start", "wait_citizen", "resume"):
            act(s, tracking=number, command=Command(a, f"bench {a}", {"assignee": "bench.lme"}), actor=system,
                now=now, config=cfg)  # fmt: skip
    rt.engine.dispose()
    return number


def login(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, headers={"accept": "text/html"}, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": username, "password": f"{username} password", "csrf": token})
    assert r.status_code == 303, r.text[:300]
    return c


def measure(c: httpx.Client, path: str, repeat: int) -> tuple[float, float, float]:
    """p50 and p95 of the server's page time, and p50 of the round trip, in ms."""
    c.get(path)  # warm: plan and caches
    server, wall = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = c.get(path)
        wall.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, f"{path}: {r.status_code}"
        server.append(float(r.headers["server-timing"].split("dur=")[1]))
    return percentile(server, 50), percentile(server, 95), percentile(wall, 50)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
            t0 = time.perf_counter()
            number = prepare(url, args.rows, Path(tmp))
            print(f"{backend}: {args.rows} complaints loaded in {time.perf_counter() - t0:.1f} s")
            env = {"CCIS_DATABASE_URL": url, "CCIS_RUN_SCHEDULER": "false", "CCIS_ATTACHMENTS_DIR": f"{tmp}/att"}
            with ccis_serve(env, Path(tmp) / "serve.log") as base:
                head, lme = login(base, "bench.thead"), login(base, "bench.lme")
                ceiling = measure(head, "/login", args.repeat)
                cases = [
                    ("ceiling: login page (no complaint read)", head, "/login"),
                    ("town queue, page 1", head, "/queue?view=town"),
                    ("town queue, page 21", head, "/queue?view=town&offset=1000"),
                    ("overdue queue", head, "/queue?view=overdue"),
                    ("town queue filtered by category", head, "/queue?view=town&category=garbage"),
                    ("my queue (field officer)", lme, "/queue?view=mine"),
                    ("complaint page", head, f"/complaints/{number}"),
                ]
                for name, client, path in cases:
                    p50, p95, wall = ceiling if path == "/login" else measure(client, path, args.repeat)
                    print(f"  {name:42s} server p50={p50:6.1f} ms p95={p95:6.1f} ms  round trip p50={wall:6.1f} ms"
                          f"  (target {TARGET_MS:.0f} ms, p95/target={p95 / TARGET_MS:.2f};"
                          f" ceiling p50={ceiling[0]:.1f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
