"""Registration latency and throughput at 50 concurrent clients against a real `ccis serve` on loopback.

The load comes from wrk (C, so the load generator takes little of the machine) with bench/register.lua, each
request a different complaint. Beside it, the same server's GET /api/v1/auth/me at the same concurrency (same HTTP
stack, bearer check and one SELECT): the ceiling on this machine, measured in the same run.

On PostgreSQL the server is also measured with 2 API processes (`ccis serve --workers 2`), each beside its own
same-run auth/me figure; SQLite is measured with one (its one writer gains nothing from a second process).

    .venv/bin/python bench/bench_register.py [--seconds 20] [--clients 50] [--backends sqlite,postgres]
        [--pg-workers 1,2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import fresh_database  # noqa: E402
from bench.common import ccis_serve  # noqa: E402
from noc_api.accounts.service import open_session  # noqa: E402
from noc_api.db import models as m  # noqa: E402
from noc_api.runtime import build  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402

SECRET = "bench-secret-" + "x" * 20
HERE = Path(__file__).resolve().parent


def _prepare(db_url: str) -> str:
    """Migrate, sync the inventory and add a call-centre agent; its bearer token."""
    settings = load_settings(database_url=db_url, inventory=ROOT / "inventory.yaml", secret_key=SECRET)
    rt = build(settings)
    with rt.sessions.begin() as s:
        user = m.User(username="bench.agent", full_name="Bench", password_hash="!", role="call_centre_agent")
        s.add(user)
        s.flush()
        token = open_session(s, user, datetime.now(UTC), 3600)
    rt.engine.dispose()
    return token


def _wrk(base: str, script: str, path: str, token: str, clients: int, seconds: int) -> dict[str, float]:
    cmd = [
        "wrk",
        "-t2",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / script),
        f"{base}{path}",
        "--",
        token,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout + done.stderr
    found = re.search(r"WRK (.*)", out)
    if not found:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    figures = {k: float(v) for k, v in (kv.split("=") for kv in found.group(1).split())}
    if figures["n"] == 0:
        raise RuntimeError(f"wrk completed no request against {path}:\n{out}")
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--pg-workers", default="1,2", help="API processes to measure on PostgreSQL")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench_register: wrk is not installed (scripts/system-deps.sh installs it)")
    for backend in args.backends.split(","):
        for workers in [1] if backend == "sqlite" else [int(w) for w in args.pg_workers.split(",")]:
            with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
                token = _prepare(url)
                env = {
                    "CCIS_DATABASE_URL": url,
                    "CCIS_INVENTORY": str(ROOT / "inventory.yaml"),
                    "CCIS_SECRET_KEY": SECRET,
                    "CCIS_ATTACHMENTS_DIR": str(Path(tmp) / "att"),
                    "CCIS_ENV": "test",
                }
                with ccis_serve(env, Path(tmp) / "serve.log", workers=workers) as base:
                    _wrk(base, "register.lua", "/api/v1/complaints", token, args.clients, 3)  # warm-up
                    ceiling = _wrk(base, "ceiling.lua", "/api/v1/auth/me", token, args.clients, args.seconds)
                    reg = _wrk(base, "register.lua", "/api/v1/complaints", token, args.clients, args.seconds)
            print(
                f"{backend:9s} workers={workers} register: n={reg['n']:.0f} errors={reg['errors']:.0f} "
                f"clients={args.clients} p50={reg['p50_ms']:.1f} ms p95={reg['p95_ms']:.1f} ms "
                f"throughput={reg['rate']:.0f}/s (target p95<=50 ms, >=300/s) | "
                f"auth/me ceiling={ceiling['rate']:.0f}/s p95={ceiling['p95_ms']:.1f} ms "
                f"-> register/ceiling={reg['rate'] / ceiling['rate']:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
