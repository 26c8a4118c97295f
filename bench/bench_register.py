"""Registration latency and throughput at 50 concurrent clients against a real `ccis serve` on loopback.

Prints p50/p95 latency and registrations/s per backend, beside the same server's GET /api/v1/auth/me rate at the
same concurrency (same HTTP stack, bearer check and one SELECT: the ceiling on this machine, measured in the run).

    .venv/bin/python bench/bench_register.py [--requests 3000] [--clients 50] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import fresh_database, percentile  # noqa: E402
from noc_api.auth import session_token  # noqa: E402
from noc_api.db import models as m  # noqa: E402
from noc_api.runtime import start_runtime  # noqa: E402
from noc_api.settings import load_settings  # noqa: E402
from tests.complaints.server import ccis_serve  # noqa: E402

SECRET = "bench-secret-" + "x" * 20
TIME_LIMIT_S = 120.0  # every loop is bounded in count and time


def _prepare(db_url: str, tmp: Path) -> str:
    """Migrate, sync the inventory and add a call-centre agent; its bearer token."""
    settings = load_settings(database_url=db_url, inventory=ROOT / "inventory.yaml", secret_key=SECRET)
    rt = start_runtime(settings)
    with rt.sessions.begin() as s:
        user = m.User(username="bench.agent", full_name="Bench", password_hash="!", role="call_centre_agent")
        s.add(user)
        s.flush()
        token = session_token(settings, user)
    rt.engine.dispose()
    return token


def _body(i: int) -> dict:
    towns = ["orangi", "lyari", "korangi", "malir", "gulshan-e-iqbal", "saddar"]
    return {
        "channel": "call_centre",
        "category": ["garbage", "roads-pothole", "water-leakage", "street-lighting"][i % 4],
        "description": f"Bench complaint {i}: garbage heap near the market, lane {i % 97}",
        "citizen_name": "Bench Citizen",
        "phone": f"+92300{1000000 + i % 8999999:07d}",
        "town": towns[i % len(towns)],
        "channel_data": {"caller_number": "+923001234567", "call_ref": f"rec-{i}"},
    }


async def _run(base: str, token: str, total: int, clients: int, path: str) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    deadline = time.monotonic() + TIME_LIMIT_S
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.monotonic() > deadline:
                    return
                t0 = time.perf_counter()
                if path == "register":
                    r = await client.post("/api/v1/complaints", json=_body(i))
                    ok = r.status_code == 201
                else:
                    r = await client.get("/api/v1/auth/me")
                    ok = r.status_code == 200
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
            token = _prepare(url, Path(tmp))
            env = {
                "CCIS_DATABASE_URL": url,
                "CCIS_INVENTORY": str(ROOT / "inventory.yaml"),
                "CCIS_SECRET_KEY": SECRET,
                "CCIS_ATTACHMENTS_DIR": str(Path(tmp) / "att"),
                "CCIS_ENV": "test",
            }
            with ccis_serve(env) as base:
                asyncio.run(_run(base, token, 200, args.clients, "register"))  # warm-up (pool, caches)
                ceil_lat, ceil_el, _ = asyncio.run(_run(base, token, args.requests, args.clients, "me"))
                lat, elapsed, errors = asyncio.run(_run(base, token, args.requests, args.clients, "register"))
            ceiling = len(ceil_lat) / ceil_el
            rate = len(lat) / elapsed
            print(
                f"{backend:9s} register: n={len(lat)} errors={errors} clients={args.clients} "
                f"p50={percentile(lat, 50) * 1000:.1f} ms p95={percentile(lat, 95) * 1000:.1f} ms "
                f"throughput={rate:.0f}/s (target p95<=50 ms, >=300/s) | auth/me ceiling={ceiling:.0f}/s "
                f"p95={percentile(ceil_lat, 95) * 1000:.1f} ms -> register/ceiling={rate / ceiling:.2f}"
            )


if __name__ == "__main__":
    main()
