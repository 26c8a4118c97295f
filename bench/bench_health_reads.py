"""Health and uptime reads for a big city: 1,000 sites x 20 devices, a month of state history.

Builds the topology (a data centre, 1,000 town sites each behind a radio link, a walk-in channel per site), fills
the database through the real health sweeper (one sweep writes every open interval), adds a month of closed
intervals per channel and site (a few outages each), then times the read services the API calls:
the whole-city state (targets <= 100 ms) and a month's uptime per channel (<= 200 ms), plus one health sweep.

    .venv/bin/python bench/bench_health_reads.py [--sites 1000] [--devices 20] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database
from noc_api.db import noc_models as nm
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.health.queries import StateCache, city_state, city_state_json, uptime_report
from noc_api.health.sweep import HealthSweeper
from noc_api.health.topology import ChannelNode, DeviceNode, SiteNode, Topology


def big_city(sites: int, per_site: int) -> Topology:
    devices = [DeviceNode("dc-core", "dc", "t0", "switch")]
    site_nodes = [SiteNode("dc", "t0", kind="data_centre")]
    channels = []
    for i in range(sites):
        s = f"site-{i:04d}"
        devices.append(DeviceNode(f"{s}-dc-radio", "dc", "t0", "radio", ("dc-core",)))
        devices += [
            DeviceNode(f"{s}-radio", s, f"town-{i % 50}", "radio", (f"{s}-dc-radio",)),
            DeviceNode(f"{s}-ups", s, f"town-{i % 50}", "ups"),
            DeviceNode(f"{s}-sw", s, f"town-{i % 50}", "switch", (f"{s}-radio", f"{s}-ups")),
        ]
        devices += [
            DeviceNode(f"{s}-pc-{n:02d}", s, f"town-{i % 50}", "workstation", (f"{s}-sw",)) for n in range(per_site - 3)
        ]
        site_nodes.append(SiteNode(s, f"town-{i % 50}", uplink=f"{s}-dc-radio"))
        channels.append(
            ChannelNode(
                f"walk-in-{s}", "walk_in", s, {"all": [f"{s}-sw", {"at_least": 1, "of": [f"{s}-pc-00", f"{s}-pc-01"]}]}
            )
        )
    return Topology({d.id: d for d in devices}, {s.id: s for s in site_nodes}, {c.id: c for c in channels})


def fill(engine, topo: Topology, now: datetime) -> float:
    """Observations for every device, agents heard just now, a month of history; returns one sweep's seconds."""
    ts = now.timestamp()
    obs = [
        {"device_id": d, "site_id": n.site_id, "status": "up", "error": None, "ts": ts, "received_ts": ts}
        for d, n in topo.devices.items()
    ]
    agents = [
        {"site_id": s, "last_heard_ts": ts, "clock_skew_seconds": 0.0, "outbox_depth": 0, "dropped_total": 0}
        for s in topo.sites
    ]
    with engine.begin() as conn:
        conn.execute(nm.DeviceObservation.__table__.insert(), obs)
        conn.execute(nm.AgentStatus.__table__.insert(), agents)
    # A month of closed history: each channel and site had four outages of 10-90 minutes.
    rng = random.Random(7)
    month = now - timedelta(days=30)
    rows = []
    for scope, ids in (("channel", list(topo.channels)), ("site", list(topo.sites))):
        for ident in ids:
            t = month
            for _ in range(4):
                up_for = timedelta(hours=rng.uniform(24, 150))
                down_for = timedelta(minutes=rng.uniform(10, 90))
                rows.append(
                    {
                        "scope": scope,
                        "subject_id": ident,
                        "state": "up",
                        "reason": "",
                        "root_cause": None,
                        "started_at": t,
                        "ended_at": t + up_for,
                    }
                )
                t += up_for
                rows.append(
                    {
                        "scope": scope,
                        "subject_id": ident,
                        "state": "down",
                        "reason": "link",
                        "root_cause": None,
                        "started_at": t,
                        "ended_at": t + down_for,
                    }
                )
                t += down_for
            rows.append(
                {
                    "scope": scope,
                    "subject_id": ident,
                    "state": "up",
                    "reason": "",
                    "root_cause": None,
                    "started_at": t,
                    "ended_at": now,
                }
            )
    with engine.begin() as conn:
        conn.execute(nm.StateInterval.__table__.insert(), rows)
    sweeper = HealthSweeper(topo, make_session_factory(engine), grace_seconds=30, hold_down_seconds=60)
    t0 = time.perf_counter()
    sweeper.sweep(now)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    sweeper.sweep(now + timedelta(seconds=1))
    return first, time.perf_counter() - t0


def timed(fn, runs: int = 15) -> tuple[float, float, float]:
    """Median and max wall ms, and the median CPU ms of this process (on a shared machine the wall clock also
    counts other processes' time; the CPU figure does not)."""
    out, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(out) * 1000, max(out) * 1000, statistics.median(cpu) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    topo = big_city(args.sites, args.devices)
    now = datetime.now(UTC)
    print(
        f"city: {len(topo.sites)} sites, {len(topo.devices)} devices, {len(topo.channels)} channels; a month of history"
    )
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as d, database(backend, Path(d)) as url:
            engine = make_engine(url)
            upgrade(engine)
            first, steady = fill(engine, topo, now)
            sessions = make_session_factory(engine)

            def state(sessions=sessions) -> None:
                with sessions() as s:
                    json.dumps(city_state(s, topo))

            cache = StateCache()

            def cached_state(sessions=sessions, cache=cache) -> None:
                with sessions() as s:
                    city_state_json(s, topo, cache)

            def month_uptime(sessions=sessions) -> None:
                with sessions() as s:
                    json.dumps(uptime_report(s, topo, "channel", now - timedelta(days=30), now, now))

            def rows_alone(sql: str, sessions=sessions) -> None:
                with sessions() as s:
                    s.connection().exec_driver_sql(sql).all()

            month_ago = (now - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
            open_rows = partial(rows_alone, "SELECT * FROM state_intervals WHERE ended_at IS NULL")
            month_rows = partial(
                rows_alone,
                "SELECT * FROM state_intervals WHERE scope = 'channel' AND started_at < CURRENT_TIMESTAMP"
                f" AND (ended_at IS NULL OR ended_at > '{month_ago}')",
            )
            sm, sx, sc = timed(state)
            cm, cx, cc = timed(cached_state)
            om, _, _ = timed(open_rows)
            um, ux, uc = timed(month_uptime)
            mm, _, _ = timed(month_rows)
            print(
                f"{backend:9} whole-city state, built median {sm:6.1f} ms  max {sx:6.1f} ms  cpu {sc:5.1f} ms "
                "(target <= 100 ms)"
            )
            print(
                f"{backend:9}   same run: served (skeleton cached) median {cm:6.1f} ms max {cx:6.1f} ms cpu {cc:5.1f}"
                f" ms; its open intervals fetched alone {om:6.1f} ms"
            )
            print(
                f"{backend:9} month uptime per channel median {um:6.1f} ms  max {ux:6.1f} ms  cpu {uc:5.1f} ms "
                "(target <= 200 ms)"
            )
            print(f"{backend:9}   same run: its month of channel intervals fetched alone {mm:6.1f} ms")
            print(f"{backend:9} health sweep             first {first * 1000:6.0f} ms  steady {steady * 1000:6.0f} ms")
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
