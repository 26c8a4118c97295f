"""The NOC wall's server render for a big city: 1,000 sites x 20 devices (target <= 300 ms).

Builds the same city as bench_health_reads.py (every device observed, one health sweep writes every open
interval, a month of history), then times what `GET /noc` does on the server: read the state and the channels'
uptime today, group and name every site, and render the template. Beside it, in the same run, the ceiling: the
time to read and serialize the same city state as JSON (the cheapest answer holding the same facts).

    .venv/bin/python bench/bench_wall.py [--sites 1000] [--devices 20] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_health_reads import big_city, fill, timed
from bench.common import database
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.health.queries import city_state
from noc_api.web.noc import Names2, wall_data
from noc_api.web.page import templates


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    topo = big_city(args.sites, args.devices)
    now = datetime.now(UTC)
    names = {d: f"Device {d}" for d in topo.devices} | {s: f"Site {s}" for s in topo.sites}
    names |= {c: f"Counter {c}" for c in topo.channels}
    towns = {f"town-{i}": (f"Town {i}", ("West", "East", "South", "Central")[i % 4]) for i in range(50)}
    carries = {n.site_id: [names[c]] for c, n in topo.channels.items() if n.site_id}
    n = Names2(names, towns | {"t0": ("Civic Centre", "Central")}, carries)
    tmpl = templates().env.get_template("_noc_wall.html")
    print(f"city: {len(topo.sites)} sites, {len(topo.devices)} devices, {len(topo.channels)} channels")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as d, database(backend, Path(d)) as url:
            engine = make_engine(url)
            upgrade(engine)
            fill(engine, topo, now)
            sessions = make_session_factory(engine)
            html: list[str] = []

            def wall(sessions=sessions, html=html) -> None:
                with sessions() as s:
                    w = wall_data(s, topo, n, "Asia/Karachi", datetime.now(UTC))
                    html[:] = [tmpl.render(w=w, can_act=True, csrf_token="t", lang="en", tz="Asia/Karachi")]

            def ceiling(sessions=sessions) -> None:
                with sessions() as s:
                    json.dumps(city_state(s, topo))

            wm, wx, _ = timed(wall)
            cm, cx, _ = timed(ceiling)
            print(
                f"{backend:9} wall render  median {wm:6.1f} ms  max {wx:6.1f} ms  ({len(html[0]) // 1024} KiB; "
                f"target <= 300 ms)"
            )
            print(f"{backend:9} ceiling: same state as JSON median {cm:6.1f} ms  max {cx:6.1f} ms")
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
