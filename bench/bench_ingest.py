"""Sustained ingest: reports/s (50 readings each) into a real `ccis serve`, beside a bare-Starlette ceiling.

Load comes from Debian's `wrk` with bench/ingest.lua on loopback. Each backend (SQLite, PostgreSQL) is measured
twice in the same run: CCIS (auth, schema validation, site checks, idempotency, metrics, scheduler running) and
the ceiling (bench/ceiling_app.py: json.loads + the same inserts, same driver). Every accepted report is committed
before it is acknowledged; afterwards the stored report count is checked against what wrk saw acknowledged.

    .venv/bin/python bench/bench_ingest.py [--seconds 60] [--batch 10] [--connections 8] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, ccis_serve, database, free_port, process, wait_http  # noqa: E402
from noc_api.db import noc_models as nm  # noqa: E402
from noc_api.runtime import start_runtime  # noqa: E402
from noc_api.services.accounts import issue_site_token  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402

READINGS = 50


def body_template(batch: int, devices: list[str], site: str = "dc-civic") -> str:
    """A batch of ``batch`` device reports of 50 readings each, with "@RID@" where report ids go."""
    now = datetime.now(UTC).isoformat()
    reports = []
    for i in range(batch):
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
                    "collected_at": now,
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


def stored_reports(url: str) -> int:
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(nm.IngestReport.__table__)).scalar()
    engine.dispose()
    return n


def _sites(db: str) -> dict[str, tuple[str, list[str]]]:
    """Every inventory site with devices: a token and its devices (each agent reports its own devices)."""
    rt = start_runtime(load_settings(database_url=db, inventory=ROOT / "inventory.yaml"))
    out = {}
    with rt.sessions.begin() as s:
        for site in rt.inventory.sites:
            if site.devices:
                out[site.id] = (issue_site_token(s, site.id), [d.id for d in site.devices])
    rt.engine.dispose()
    return out


def measure_ccis(db: str, tmp: Path, args: argparse.Namespace) -> dict:
    env = {"CCIS_DATABASE_URL": db, "CCIS_INVENTORY": str(ROOT / "inventory.yaml"), "CCIS_MAX_INGEST_BYTES": "16777216"}
    listing = write_sites(tmp, args.batch, _sites(db))
    with ccis_serve(env, tmp / "ccis.log") as url:
        run_wrk(url, listing, 5, args.connections, args.threads)  # warm-up
        before = stored_reports(db)
        res = run_wrk(url, listing, args.seconds, args.connections, args.threads)
        res["stored"] = stored_reports(db) - before
    return res


def measure_ceiling(db: str, tmp: Path, args: argparse.Namespace) -> dict:
    sites = _sites(db)  # the same schema and sites; the ceiling ignores the tokens
    listing = write_sites(tmp, args.batch, {site: ("", devices) for site, (_, devices) in sites.items()})
    port = free_port()
    cmd = [sys.executable, str(ROOT / "bench" / "ceiling_app.py"), db, str(port)]
    with process(cmd, {}, tmp / "ceiling.log") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(url, proc, path="/")
        run_wrk(url, listing, 5, args.connections, args.threads)
        before = stored_reports(db)
        res = run_wrk(url, listing, args.seconds, args.connections, args.threads)
        res["stored"] = stored_reports(db) - before
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--batch", type=int, default=10, help="reports per request")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_ingest needs Debian's wrk (scripts/system-deps.sh installs it)")
    print(f"ingest: {args.seconds} s per run, {args.batch} reports x {READINGS} readings per request, "
          f"wrk -t{args.threads} -c{args.connections}, loopback")  # fmt: skip
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            with database(backend, tmp) as db_ceiling:
                ceiling = measure_ceiling(db_ceiling, tmp, args)
            with database(backend, tmp) as db_ccis:
                ccis = measure_ccis(db_ccis, tmp, args)
        for name, r in (("ceiling", ceiling), ("ccis", ccis)):
            reports = r["rps"] * args.batch
            acked = (r["requests"] - r["non200"]) * args.batch
            print(
                f"{backend:9} {name:8} {reports:8.0f} reports/s {reports * READINGS:9.0f} values/s  "
                f"p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms  errors {r['non200']}  "
                f"acked {acked} stored {r['stored']} ({'ok' if r['stored'] >= acked else 'LOST'})"
            )
        print(f"{backend:9} ratio    {ccis['rps'] / ceiling['rps']:.2f} of the ceiling")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
