"""Queue and search reads on 1,000,000 complaints (bulk-loaded by SQL), on SQLite and PostgreSQL.

Times the service calls the API uses (complaint_core.services.queries.search) in-process, so the figure is the
database plus ORM, not HTTP. Targets: a town's open queue page <= 100 ms, a text search <= 300 ms.

    .venv/bin/python bench/bench_queue_search.py [--rows 1000000] [--repeat 20] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import fresh_database, percentile  # noqa: E402
from complaint_core.roles import Actor, Role  # noqa: E402
from complaint_core.services.queries import SearchFilters, search  # noqa: E402
from noc_api.runtime import build  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402

WORDS_A = [
    "garbage",
    "pothole",
    "leaking",
    "streetlight",
    "sewage",
    "encroachment",
    "drain",
    "cattle",
    "tree",
    "manhole",
    "water",
    "mosquito",
    "noise",
]
WORDS_B = ["near", "behind", "opposite", "inside", "beside", "outside", "around", "facing", "under", "past", "at"]
WORDS_C = ["market", "school", "mosque", "hospital", "park", "bus stop", "block 7", "main road", "bridge"]


def _case(expr: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


def bulk_load(conn, dialect: str, rows: int, towns: list[str], cats: list[tuple[str, str]]) -> None:
    """Insert ``rows`` complaints from one INSERT ... SELECT over a generated series."""
    if dialect == "postgresql":
        series, pad = f"generate_series(1, {rows}) AS s(i)", "lpad(i::text, 7, '0')"
        ts = "(timestamptz '2025-01-01 00:00:00+00' + i * interval '30 seconds')"
        due = "(timestamptz '2025-01-01 00:00:00+00' + i * interval '30 seconds' + interval '2 days')"
        empty_obj, empty_list, false = "'{}'::jsonb", "'[]'::jsonb", "false"
        prefix = ""
    else:
        series, pad = "cnt", "printf('%07d', i)"
        ts = "datetime('2025-01-01', '+' || (i * 30) || ' seconds')"
        due = "datetime('2025-01-01', '+' || (i * 30 + 172800) || ' seconds')"
        empty_obj, empty_list, false = "'{}'", "'[]'", "0"
        prefix = f"WITH RECURSIVE cnt(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM cnt WHERE i < {rows}) "
    desc = (
        f"{_case('i', WORDS_A)} || ' ' || {_case('i / 13', WORDS_B)} || ' the ' || {_case('i / 7', WORDS_C)}"
        f" || (CASE WHEN i % 1000 = 0 THEN ' transformer sparking' ELSE '' END)"
    )
    sql = f"""{prefix}INSERT INTO complaints (tracking_number, channel, status, kind, priority, citizen_name, phone,
        town_id, category_id, department_id, description, reopen_count, escalation_level, sla_warned, qc_required,
        channel_data, promised_seconds, pauses, registered_at, due_at, updated_at, created_by, version)
      SELECT 'KHI-2025-' || {pad}, 'call_centre',
        CASE WHEN i % 10 < 3 THEN 'registered' WHEN i % 10 < 4 THEN 'in_progress' ELSE 'closed' END,
        CASE WHEN i % 10 < 4 THEN 'open' ELSE 'closed' END, 'normal', 'Bench Citizen',
        '+92300' || {pad}, {_case("i", towns)}, {_case("i / 3", [c for c, _ in cats])},
        {_case("i / 3", [d for _, d in cats])}, {desc}, 0, 0, {false}, {false}, {empty_obj}, 172800, {empty_list},
        {ts}, {due}, {ts}, 'bench', 1
      FROM {series}"""
    conn.execute(text(sql))


def timed(fn, repeat: int) -> tuple[float, float, int]:
    fn()  # warm the cache and the plan
    samples, n = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = len(fn())
        samples.append(time.perf_counter() - t0)
    return percentile(samples, 50) * 1000, percentile(samples, 95) * 1000, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
            rt = build(load_settings(database_url=url, inventory=ROOT / "inventory.yaml"))
            dialect = rt.engine.dialect.name
            with rt.engine.begin() as conn:
                towns = [r[0] for r in conn.execute(text("SELECT id FROM towns ORDER BY id"))]
                cats = [
                    tuple(r)
                    for r in conn.execute(
                        text(
                            "SELECT id, department_id FROM categories"
                            " WHERE parent_id IS NULL AND department_id != 'it' ORDER BY id"
                        )
                    )
                ]
            t0 = time.perf_counter()
            with rt.engine.begin() as conn:
                bulk_load(conn, dialect, args.rows, towns, cats)
            with rt.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            load_s = time.perf_counter() - t0
            town_head = Actor("staff", "th", Role.TOWN_HEAD, town_id="orangi")
            admin = Actor("staff", "admin", Role.ADMINISTRATOR)
            cases = [
                ("town open queue, page 1", town_head, SearchFilters(town_id="orangi", kind="open"), 0, 100),
                ("town open queue, page 21", town_head, SearchFilters(town_id="orangi", kind="open"), 1000, 100),
                ("text 'transformer' (1 in 1000)", admin, SearchFilters(text="transformer sparking"), 0, 300),
                ("text 'garbage' (1 in 13)", admin, SearchFilters(text="garbage"), 0, 300),
                (
                    "text 'transformer' in a town's open queue",
                    town_head,
                    SearchFilters(text="transformer", town_id="orangi", kind="open"),
                    0,
                    300,
                ),
                (
                    "text 'mosque' in a town's open queue",
                    town_head,
                    SearchFilters(text="mosque", town_id="orangi", kind="open"),
                    0,
                    300,
                ),
            ]
            print(f"{backend}: {args.rows} complaints loaded in {load_s:.1f} s")
            with rt.sessions() as s:
                for name, actor, f, offset, target in cases:
                    p50, p95, n = timed(
                        lambda a=actor, f=f, o=offset: search(s, actor=a, filters=f, now=now, limit=50, offset=o),
                        args.repeat,
                    )
                    print(
                        f"  {name:40s} rows={n:3d} p50={p50:7.1f} ms p95={p95:7.1f} ms "
                        f"(target {target} ms, p95/target={p95 / target:.2f})"
                    )
            rt.engine.dispose()


if __name__ == "__main__":
    main()
