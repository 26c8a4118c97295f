"""Sustained ingest: reports/s (50 readings each) into a real `ccis serve`, beside two bare-Starlette ceilings.

Load comes from Debian's `wrk` with bench/ingest.lua on loopback. Each backend (SQLite, PostgreSQL) is measured in
the same run as: the bare ceiling (bench/ceiling_app.py bare: a minimal schema, one report row + 50 reading rows
per request, one report per request, the driver used directly), the "same inserts" ceiling (ceiling_app.py same:
json.loads + CCIS's own statements on CCIS's schema, same batches) and CCIS (auth, schema validation, site checks,
idempotency, metrics, scheduler running) - on PostgreSQL with 1 and 2 API processes (`ccis serve --workers N`).
Every accepted report is committed before it is acknowledged; afterwards the stored report count is checked
against what wrk saw acknowledged.

    .venv/bin/python bench/bench_ingest.py [--seconds 60] [--batch 10] [--connections 8] [--backends sqlite,postgres]
        [--pg-workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, ccis_serve, database, free_port, process, wait_http
from noc_api.accounts.service import issue_site_token
from noc_api.db import noc_models as nm
from noc_api.runtime import build
from noc_api.settings import load_settings

READINGS = 50


def body_template(batch: int, devices: list[str], site: str = "dc-civic") -> str:
    """A batch of ``batch`` device reports of 50 readings each, with "@RID@" where report ids go."""
    clock = datetime.now(UTC)
    now = clock.isoformat()
    reports = []
    for i in range(batch):
        # Each report its own collection time, as an agent's are: a site with fewer devices than the batch sends
        # one device twice, and two collections of a device are two points, not one.
        collected = (clock - timedelta(seconds=batch - i)).isoformat()
        readings = [
            {
                "metric": "if_in_bits_per_second",
                "value": 1000.0 * k + i,
                "unit": "bits/s",
                "labels": {"interface": f"eth{k}"},
            }
            for k in range(READINGS - 2)
        ]
        readings += [{"metric": "host_cpu_ratio", "value": 0.25}, {"metric": "sys_uptime_seconds", "value": 86400.0}]
        reports.append(
            {
                "report_id": "@RID@",
                "site_id": site,
                "kind": "device",
                "made_at": now,
                "seq": i,
                "device": {
                    "device_id": devices[i % len(devices)],
                    "status": "up",
                    "collected_at": collected,
                    "readings": readings,
                },
            }
        )
    return json.dumps({"site_id": site, "agent_clock": now, "reports": reports})


def write_sites(tmp: Path, batch: int, sites: dict[str, tuple[str, list[str]]]) -> Path:
    """One body template per site and the list file wrk's script reads ("TOKEN TEMPLATE" lines)."""
    lines = []
    for site, (token, devices) in sites.items():
        path = tmp / f"body-{site}.json"
        path.write_text(body_template(batch, devices, site))
        lines.append(f"{token or '-'} {path}")
    listing = tmp / "sites.txt"
    listing.write_text("\n".join(lines) + "\n")
    return listing


def run_wrk(url: str, listing: Path, seconds: int, connections: int, threads: int) -> dict:
    lua = ROOT / "bench" / "ingest.lua"
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(lua),
        url + "/api/v1/ingest",
        "--",
        str(listing),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non200 = int(re.search(r"NON200 (\d+)", out).group(1)) + int(re.search(r"ERRORS (\d+)", out).group(1))
    p50, p99 = (float(x) for x in re.search(r"LAT50 ([\d.]+) LAT99 ([\d.]+)", out).groups())
    return {"rps": rps, "requests": total, "non200": non200, "p50_ms": p50, "p99_ms": p99}


def stored_reports(url: str, bare: bool = False) -> int:
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )
    with engine.connect() as conn:
        table = text("bare_reports") if bare else nm.IngestReport.__table__
        n = conn.execute(select(func.count()).select_from(table)).scalar()
    engine.dispose()
    return n


def _sites(db: str) -> dict[str, tuple[str, list[str]]]:
    """Every inventory site with devices: a token and its devices (each agent reports its own devices)."""
    rt = build(load_settings(database_url=db, inventory=ROOT / "inventory.yaml"))
    out = {}
    with rt.sessions.begin() as s:
        for site in rt.inventory.sites:
            if site.devices:
                out[site.id] = (issue_site_token(s, site.id), [d.id for d in site.devices])
    rt.engine.dispose()
    return out


def measure_ccis(db: str, tmp: Path, args: argparse.Namespace, workers: int = 1) -> dict:
    env = {"CCIS_DATABASE_URL": db, "CCIS_INVENTORY": str(ROOT / "inventory.yaml"), "CCIS_MAX_INGEST_BYTES": "16777216"}
    listing = write_sites(tmp, args.batch, _sites(db))
    with ccis_serve(env, tmp / "ccis.log", workers=workers) as url:
        run_wrk(url, listing, 5, args.connections, args.threads)  # warm-up
        before = stored_reports(db)
        res = run_wrk(url, listing, args.seconds, args.connections, args.threads)
        res["stored"] = stored_reports(db) - before
    res["batch"] = args.batch
    return res


def measure_ceiling(db: str, tmp: Path, args: argparse.Namespace, mode: str = "same") -> dict:
    sites = _sites(db)  # the same schema and sites; the ceiling ignores the tokens
    batch = 1 if mode == "bare" else args.batch
    listing = write_sites(tmp, batch, {site: ("", devices) for site, (_, devices) in sites.items()})
    port = free_port()
    cmd = [sys.executable, str(ROOT / "bench" / "ceiling_app.py"), db, str(port), mode]
    with process(cmd, {}, tmp / f"ceiling-{mode}.log") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(url, proc, path="/")
        run_wrk(url, listing, 5, args.connections, args.threads)
        before = stored_reports(db, bare=mode == "bare")
        res = run_wrk(url, listing, args.seconds, args.connections, args.threads)
        res["stored"] = stored_reports(db, bare=mode == "bare") - before
    res["batch"] = batch
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--batch", type=int, default=10, help="reports per request")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--pg-workers", default="1,2", help="API processes to measure on PostgreSQL")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_ingest needs Debian's wrk (scripts/system-deps.sh installs it)")
    print(f"ingest: {args.seconds} s per run, {args.batch} reports x {READINGS} readings per request, "
          f"wrk -t{args.threads} -c{args.connections}, loopback")  # fmt: skip
    for backend in args.backends.split(","):
        runs: dict[str, dict] = {}
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            with database(backend, tmp) as db:
                runs["bare"] = measure_ceiling(db, tmp, args, "bare")
            with database(backend, tmp) as db:
                runs["same"] = measure_ceiling(db, tmp, args, "same")
            for workers in [1] if backend == "sqlite" else [int(w) for w in args.pg_workers.split(",")]:
                with database(backend, tmp) as db:
                    runs[f"ccis w={workers}"] = measure_ccis(db, tmp, args, workers)
        rate = {name: r["rps"] * r["batch"] for name, r in runs.items()}
        for name, r in runs.items():
            acked = (r["requests"] - r["non200"]) * r["batch"]
            what = {"bare": "bare ceiling, 1 report/request", "same": "same-inserts ceiling"}.get(name, "CCIS")
            print(
                f"{backend:9} {name:9} {rate[name]:8.0f} reports/s {rate[name] * READINGS:9.0f} values/s  "
                f"p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms  errors {r['non200']}  "
                f"acked {acked} stored {r['stored']} ({'ok' if r['stored'] >= acked else 'LOST'})  [{what}]",
                flush=True,
            )
        target = 1000 if backend == "sqlite" else 800
        for name in (n for n in runs if n.startswith("ccis")):
            print(
                f"{backend:9} {name:9} ratio {rate[name] / rate['bare']:.2f} of the bare ceiling, "
                f"{rate[name] / rate['same']:.2f} of the same-inserts ceiling (target >= {target} reports/s)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
