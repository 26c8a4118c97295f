"""Soak: 1,000 simulated sites reporting every 10 s, 5 registrations/s and staff reads, against a real `ccis serve`
on PostgreSQL (loopback only), for a bounded time.

Prints per kind of request: count, errors (any non-2xx or transport error), p50/p99 latency; and for the server's
process the RSS at start and end and its slope over the second half of the run (warm-up excluded), in all and for
each process alone (RSS and USS, its own pages). Beside them, in the same run: the latency of GET /healthz (the
cheapest route: the floor of this machine's HTTP path under the same load).

    .venv/bin/python bench/bench_soak.py [--seconds 600] [--sites 1000] [--backend postgres|sqlite] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import percentile  # noqa: E402
from bench.common import ccis_serve, database  # noqa: E402
from noc_api.accounts.service import add_user, issue_site_token  # noqa: E402
from noc_api.db.engine import make_engine, make_session_factory  # noqa: E402
from noc_api.db.migrate import upgrade  # noqa: E402
from noc_api.inventory import load_inventory  # noqa: E402
from noc_api.inventory.sync import sync_inventory  # noqa: E402

PASSWORD = "soak password 1"
TEMPLATE_SITE = "town-orangi"


def big_inventory(sites: int, out: Path) -> dict[str, list[str]]:
    """The shipped inventory plus ``sites`` copies of a town office (addresses made up, never polled);
    returns each simulated site's device ids."""
    doc = yaml.safe_load((ROOT / "inventory.yaml").read_text())
    template = next(s for s in doc["sites"] if s["id"] == TEMPLATE_SITE)
    towns = [t["id"] for t in doc["towns"]]
    made: dict[str, list[str]] = {}
    for i in range(sites):
        sid = f"soak-{i:04d}"
        site = copy.deepcopy(template)
        site.update(id=sid, name=f"Soak office {i}", town=towns[i % len(towns)])
        rename = {d["id"]: d["id"].replace(TEMPLATE_SITE, sid).replace("radio-orangi", f"radio-{sid}")
                  for d in site["devices"]}  # fmt: skip
        for n, d in enumerate(site["devices"]):
            d["id"] = rename[d["id"]]
            d["address"] = f"10.{100 + i // 250}.{i % 250}.{n + 2}"
            d["depends_on"] = [rename.get(x, x) for x in d.get("depends_on", [])]
        site["agent_host"] = rename[site["agent_host"]]
        made[sid] = [d["id"] for d in site["devices"]]
        doc["sites"].append(site)
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return made


def batch(site: str, devices: list[str]) -> dict:
    now = datetime.now(UTC).isoformat()
    reports = [
        {
            "report_id": uuid.uuid4().hex, "site_id": site, "kind": "device", "made_at": now, "seq": 0,
            "device": {"device_id": d, "status": "up", "collected_at": now, "readings": [
                {"metric": "if_in_bits_per_second", "value": random.uniform(1e5, 1e7), "labels": {"interface": "eth0"}},
                {"metric": "cpu_ratio", "value": random.random()},
            ]},
        }
        for d in devices
    ]  # fmt: skip
    reports.append({"report_id": uuid.uuid4().hex, "site_id": site, "kind": "heartbeat", "made_at": now, "seq": 0,
                    "agent": {"version": "soak"}})  # fmt: skip
    return {"site_id": site, "agent_clock": now, "reports": reports}


CONNECTIONS = 64  # the client's connections to the server


class Meter:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.first_error: dict[str, str] = {}
        # Requests waiting for a connection queue here, not in httpx's pool: its queue costs O(queued x
        # connections) per request, so a slow server made this client burn a core and under-drive the load.
        self.slots = asyncio.Semaphore(CONNECTIONS)

    async def call(self, kind: str, send) -> None:
        started = time.perf_counter()  # the wait for a connection counts: an agent's report waits as long
        why = ""
        try:
            async with self.slots:
                r = await send()
            ok = r.is_success
            why = f"{r.status_code} {r.text[:120]}"
        except httpx.HTTPError as exc:
            ok, why = False, repr(exc)[:120]
        self.times.setdefault(kind, []).append(time.perf_counter() - started)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.first_error.setdefault(kind, why)


async def every(period: float, until: float, make) -> None:
    """Start ``make()`` every ``period`` seconds (not waiting for it: a slow server gets the load regardless)."""
    tasks: set[asyncio.Task] = set()
    nxt = time.monotonic()
    while nxt < until:
        task = asyncio.create_task(make())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        nxt += period
        await asyncio.sleep(max(0.0, nxt - time.monotonic()))
    await asyncio.gather(*tasks)


async def soak(url: str, tokens: dict[str, str], devices: dict[str, list[str]], staff: str, seconds: float,
               server: psutil.Process, each: dict[str, list[tuple[float, float, float]]],
               ) -> tuple[Meter, list[tuple[float, float]]]:  # fmt: skip
    meter = Meter()
    # Idle connections are closed before the server (uvicorn: 5 s) can close them under a request in flight.
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS, keepalive_expiry=2)
    rss: list[tuple[float, float]] = []
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as c:
        start = time.monotonic()
        until = start + seconds
        sites = list(tokens)
        turn = {"i": 0}
        me = {"Authorization": f"Bearer {staff}"}

        def ingest():
            s = sites[turn["i"] % len(sites)]
            turn["i"] += 1
            body = batch(s, devices[s])
            agent = {"Authorization": f"Bearer {tokens[s]}"}
            return meter.call("ingest batch", lambda: c.post("/api/v1/ingest", json=body, headers=agent))

        def register():
            body = {"channel": "call_centre", "category": "garbage", "town": "orangi",
                    "description": "Garbage not lifted near the market", "citizen_name": "Soak Citizen",
                    "phone": "0300 1234567",
                    "channel_data": {"caller_number": "0300 1234567", "call_ref": uuid.uuid4().hex[:12]}}  # fmt: skip
            return meter.call("registration", lambda: c.post("/api/v1/complaints", json=body, headers=me))

        def read_state():
            return meter.call("read city state", lambda: c.get("/api/v1/noc/state", headers=me))

        def read_queue():
            return meter.call("read complaints", lambda: c.get("/api/v1/complaints", params={"limit": 50}, headers=me))

        def healthz():
            return meter.call("ceiling: GET /healthz", lambda: c.get("/healthz"))

        async def sample() -> None:
            while time.monotonic() < until:
                at = time.monotonic() - start
                total = 0
                for proc in [server, *server.children(recursive=True)]:
                    try:
                        mem = proc.memory_full_info()  # uss: the pages this process alone holds
                    except psutil.Error:
                        continue
                    total += mem.rss
                    each.setdefault(_role(proc, server), []).append((at, mem.rss / 2**20, mem.uss / 2**20))
                rss.append((at, total / 2**20))
                await asyncio.sleep(5)

        await asyncio.gather(
            every(10 / len(sites), until, ingest),  # each site every 10 s
            every(1 / 5, until, register),
            every(2.0, until, read_state),
            every(1.0, until, read_queue),
            every(1.0, until, healthz),
            sample(),
        )
    return meter, rss


def slope(points: list[tuple[float, float]]) -> float:
    """MB per minute over the second half (least squares)."""
    half = points[len(points) // 2 :]
    if len(half) < 2:
        return 0.0
    xs, ys = [p[0] / 60 for p in half], [p[1] for p in half]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def main() -> int:
    # A bench stopped by SIGTERM (a timeout) still stops its server and drops its schema.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--backend", default="postgres", choices=("postgres", "sqlite"))
    # One PostgreSQL process ingests about 560 reports/s here (bench_ingest.py); 1,000 sites send 600: two keep up.
    ap.add_argument("--workers", type=int, default=2, help="API processes of `ccis serve`")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        inv = tmp / "inventory.yaml"
        devices = big_inventory(args.sites, inv)
        with database(args.backend, tmp) as db:
            engine = make_engine(db)
            upgrade(engine)
            with make_session_factory(engine).begin() as s:
                sync_inventory(s, load_inventory(inv))
                add_user(s, username="soak.noc", password=PASSWORD, role="administrator")
                tokens = {site: issue_site_token(s, site) for site in devices}
            engine.dispose()
            env = {"CCIS_DATABASE_URL": db, "CCIS_INVENTORY": str(inv), "CCIS_STATE_DIR": str(tmp / "var"),
                   "CCIS_ATTACHMENTS_DIR": str(tmp / "att")}  # fmt: skip
            with ccis_serve(env, tmp / "serve.log", workers=args.workers) as url:
                staff = httpx.post(f"{url}/api/v1/auth/login", json={"username": "soak.noc", "password": PASSWORD},
                                   timeout=60).json()["access_token"]  # fmt: skip
                port = int(url.rsplit(":", 1)[1])
                listening = {p.pid: p for p in psutil.process_iter() if any(
                    c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in _conns(p))}  # fmt: skip
                # With workers, the supervisor and its workers all hold the socket: the root is the one whose
                # parent does not (its RSS and its children's are summed).
                server = next(p for p in listening.values() if p.ppid() not in listening)
                each: dict[str, list[tuple[float, float, float]]] = {}
                meter, rss = asyncio.run(soak(url, tokens, devices, staff, args.seconds, server, each))
    print(
        f"soak on {args.backend}, {args.workers} API process(es): {args.sites} sites every 10 s, 5 registrations/s, "
        f"staff reads; {args.seconds:.0f} s"
    )
    print(f"{'request':24} {'count':>7} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, times in meter.times.items():
        ms = [t * 1000 for t in times]
        print(f"{kind:24} {len(ms):7d} {meter.errors.get(kind, 0):7d} {statistics.median(ms):8.1f} "
              f"{percentile(ms, 99):8.1f}")  # fmt: skip
    for kind, why in meter.first_error.items():
        print(f"first error of {kind}: {why}")
    if rss:
        print(f"server RSS: {rss[0][1]:.0f} MB at start, {rss[-1][1]:.0f} MB at end, "
              f"slope {slope(rss):+.2f} MB/min over the second half (target: flat)")  # fmt: skip
        # Whether it levels off: RSS at each tenth of the run, and the slope over its last quarter.
        tenths = [rss[min(len(rss) - 1, i * len(rss) // 10)][1] for i in range(1, 11)]
        print("server RSS by tenth of the run (MB): " + " ".join(f"{m:.0f}" for m in tenths))
        print(f"slope over the last quarter: {slope(rss[len(rss) // 2 :]):+.2f} MB/min")
        # Each process alone; USS counts only its own pages (shared libraries and files left out).
        print(f"{'process':22} {'RSS start':>9} {'end':>6} {'slope':>7} {'USS start':>9} {'end':>6} {'slope':>7}"
              f" {'last q.':>7}  (MB, MB/min over the second half; last quarter of USS)")  # fmt: skip
        for role, points in sorted(each.items()):
            r = [(t, m) for t, m, _ in points]
            u = [(t, m) for t, _, m in points]
            print(f"{role:22} {r[0][1]:9.0f} {r[-1][1]:6.0f} {slope(r):+7.2f} {u[0][1]:9.0f} {u[-1][1]:6.0f} "
                  f"{slope(u):+7.2f} {slope(u[len(u) // 2 :]):+7.2f}")  # fmt: skip
    return 0


def _role(proc: psutil.Process, root: psutil.Process) -> str:
    """What a process of `ccis serve` is, for the memory table."""
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        cmd = ""
    if proc.pid == root.pid:
        return "supervisor" if root.children() else "server"
    if "resource_tracker" in cmd:
        return f"resource tracker {proc.pid}"
    return f"API process {proc.pid}"


def _conns(p: psutil.Process) -> list:
    try:
        return p.net_connections(kind="tcp")
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        return []


if __name__ == "__main__":
    raise SystemExit(main())
