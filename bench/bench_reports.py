"""A monthly MIS report over 1,000,000 complaints and a year of outages for 21 sites, on SQLite and PostgreSQL.

Complaints are bulk-loaded by SQL (bench_queue_search's loader, a year from 2025-01-01, one every 30 s); 60 % of
them are resolved after 1-96 hours. Each walk-in site has about three outages a week for the year, with their
channel state intervals. PostgreSQL is then vacuumed as autovacuum would (--no-vacuum: timed as just loaded).
Targets: the monthly report <= 1 s on PostgreSQL and <= 2 s on SQLite. Beside it, in the same run: the time spent
in the report's SQL statements, this process's CPU, and one scan of the whole table.

    .venv/bin/python bench/bench_reports.py [--rows 1000000] [--repeat 5] [--backends sqlite,postgres] [--no-vacuum]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import fresh_database, percentile  # noqa: E402
from bench.bench_queue_search import bulk_load  # noqa: E402
from noc_api.db.noc_models import OutageRow, StateInterval  # noqa: E402
from noc_api.reports.service import mis_report  # noqa: E402
from noc_api.runtime import build  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402


def resolve_most(conn, dialect: str) -> None:
    """Give closed complaints a resolution time 1..96 hours after registration."""
    if dialect == "postgresql":
        conn.execute(
            text(
                "UPDATE complaints SET resolved_at = registered_at + ((id % 96) + 1) * interval '1 hour' "
                "WHERE kind = 'closed'"
            )
        )
    else:
        conn.execute(
            text(
                "UPDATE complaints SET resolved_at = datetime(registered_at, '+' || ((id % 96) + 1) || "
                "' hours') WHERE kind = 'closed'"
            )
        )


def load_outages(conn, channels: list[tuple[str, str, str]], year: int) -> int:
    """About three outages a week per walk-in channel, with up/down state intervals."""
    rng = random.Random(7)
    outages, intervals = [], []
    start = datetime(year, 1, 1, tzinfo=UTC)
    for channel, site, town in channels:
        t = start
        while True:
            t += timedelta(hours=rng.uniform(24, 90))
            if t.year > year:
                break
            length = timedelta(minutes=rng.uniform(2, 300))
            outages.append(
                {
                    "scope": "site",
                    "subject_id": site,
                    "site_id": site,
                    "town_id": town,
                    "cause": rng.choice(["power", "link", "switch", "unknown"]),
                    "started_at": t,
                    "ended_at": t + length,
                    "channels": [channel],
                    "affected": [],
                    "in_maintenance": False,
                    "reason": "",
                }
            )
            intervals.append(
                {
                    "scope": "channel",
                    "subject_id": channel,
                    "state": "down",
                    "reason": "",
                    "started_at": t,
                    "ended_at": t + length,
                }
            )
            t += length
    conn.execute(insert(OutageRow), outages)
    conn.execute(insert(StateInterval), intervals)
    return len(outages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument(
        "--no-vacuum", action="store_true", help="time PostgreSQL as just loaded, before autovacuum's first pass"
    )
    args = ap.parse_args()
    targets = {"sqlite": 2.0, "postgres": 1.0}
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
            rt = build(load_settings(database_url=url, inventory=ROOT / "inventory.yaml", run_scheduler=False))
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
            walk_ins = [
                (c.id, c.site, next(s.town for s in rt.inventory.sites if s.id == c.site))
                for c in rt.inventory.channels
                if c.kind.value == "walk_in"
            ]
            t0 = time.perf_counter()
            with rt.engine.begin() as conn:
                bulk_load(conn, dialect, args.rows, towns, cats)
                resolve_most(conn, dialect)
                n_outages = load_outages(conn, walk_ins, 2025)
            if dialect == "postgresql" and not args.no_vacuum:
                # The bulk UPDATE above leaves 600,000 dead rows and no page marked all-visible, so no index-only
                # scan pays off until autovacuum has passed (within a minute on a live server): do its work now.
                with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE complaints"))
            with rt.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            print(
                f"{backend}: {args.rows} complaints and {n_outages} outages of {len(walk_ins)} sites loaded "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            now = datetime(2026, 1, 15, tzinfo=UTC)
            samples, cpu, sql = [], [], []
            spent = [0.0]

            @event.listens_for(rt.engine, "before_cursor_execute")
            def _start(conn, *_args) -> None:
                conn.info["t0"] = time.perf_counter()

            @event.listens_for(rt.engine, "after_cursor_execute")
            def _stop(conn, *_args, spent=spent) -> None:
                spent[0] += time.perf_counter() - conn.info["t0"]

            with rt.sessions() as s:
                mis_report(s, rt.inventory, rt.topology, kind="monthly", day=date(2025, 6, 1), now=now)  # warm
                for _ in range(args.repeat):
                    spent[0] = 0.0
                    t1, c1 = time.perf_counter(), time.process_time()
                    data = mis_report(s, rt.inventory, rt.topology, kind="monthly", day=date(2025, 6, 1), now=now)
                    samples.append(time.perf_counter() - t1)
                    cpu.append(time.process_time() - c1)
                    sql.append(spent[0])
            scans = []
            with rt.engine.connect() as conn:
                for _ in range(args.repeat):
                    t1 = time.perf_counter()
                    conn.execute(text("SELECT count(*), max(registered_at) FROM complaints")).all()
                    scans.append(time.perf_counter() - t1)
            p50 = percentile(samples, 50)
            print(
                f"{backend}: monthly report (June 2025: {data['overall']['received']} received, "
                f"{data['overall']['resolved']} resolved, {sum(len(r['outages']) for r in data['uptime_throughput'])}"
                f" channel outages) p50 {p50:.2f} s, max {max(samples):.2f} s over {args.repeat} runs; "
                f"target <= {targets[backend]:.0f} s: {'met' if p50 <= targets[backend] else 'NOT met'}"
            )
            print(
                f"{backend}:   same run: of which in the database's statements p50 {percentile(sql, 50):.2f} s"
                f"{' (SQLite runs in this process: also in the CPU figure)' if dialect == 'sqlite' else ''},"
                f" this process's CPU p50 {percentile(cpu, 50):.2f} s; one scan of all {args.rows} complaints "
                f"(count, max) p50 {percentile(scans, 50):.2f} s"
            )
            rt.engine.dispose()


if __name__ == "__main__":
    main()
