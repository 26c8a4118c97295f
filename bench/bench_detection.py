"""Outage detection latency against a real `ccis serve` with default timing (10 s heartbeat, 3 heartbeats grace,
1 s health sweep):

1. an agent's last report -> its site marked down (target <= 30 s, i.e. three heartbeats);
2. a radio-link-down reading -> the link outage opening (target <= 2 s);
3. the outage opening -> its internal ticket existing (target <= 2 s; the ticket is written in the sweep's
   transaction, so the stored times are equal and what remains is how soon the API shows it).

Times are taken on the reporting side (when the report was acknowledged) and on the server side (the outage's
start and the site's down interval as stored). Loopback only.

    .venv/bin/python bench/bench_detection.py [--backends sqlite,postgres] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, ccis_serve, database
from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.noc_api.reporter import batch, device_report, heartbeat


def poll(check, seconds: float = 120.0) -> float:
    """Poll every 50 ms until ``check()`` is true; returns the time it became true (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return time.time()
        time.sleep(0.05)
    raise SystemExit("timed out waiting for " + getattr(check, "__name__", "a condition"))


def run(backend: str, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as d, database(backend, Path(d)) as db:
        env = {"CCIS_DATABASE_URL": db, "CCIS_INVENTORY": str(ROOT / "inventory.yaml"), "CCIS_HOLD_DOWN_SECONDS": "0"}
        rt = build(load_settings(database_url=db, inventory=ROOT / "inventory.yaml"))
        with rt.sessions.begin() as s:
            tok = {site: issue_site_token(s, site) for site in ("dc-civic", "town-orangi", "town-korangi")}
            add_user(s, username="bench.noc", password="bench password 1", role="noc")
        rt.engine.dispose()
        with ccis_serve(env, Path(d) / "serve.log") as url:
            staff = httpx.Client(base_url=url, timeout=10)
            login = staff.post("/api/v1/auth/login", json={"username": "bench.noc", "password": "bench password 1"})
            staff.headers["Authorization"] = "Bearer " + login.json()["access_token"]

            def send(site: str, reports: list[dict]) -> float:
                r = httpx.post(
                    url + "/api/v1/ingest", json=batch(site, reports), headers={"Authorization": f"Bearer {tok[site]}"}
                )
                r.raise_for_status()
                return time.time()

            def site_state(site: str) -> dict:
                return next(s for s in staff.get("/api/v1/noc/state").json()["sites"] if s["id"] == site)

            silence, link, ticket = [], [], []

            def link_tickets() -> list[dict]:
                return staff.get("/api/v1/complaints", params={"channel": "internal", "category": "noc-link"}).json()

            for _ in range(rounds):
                # 1. Silence: the town's last report, then nothing.
                last = send("town-korangi", [heartbeat("town-korangi")])
                poll(lambda: site_state("town-korangi")["state"] == "up", 30)
                seen = poll(lambda: site_state("town-korangi")["state"] == "down")
                since = datetime.fromisoformat(site_state("town-korangi")["since"]).timestamp()
                silence.append((seen - last, since - last))
                # 2. Link: the data-centre end of Orangi's radio reports the link down.
                up = [{"metric": "radio_link_up", "value": 1}]
                send("dc-civic", [heartbeat("dc-civic"), device_report("dc-civic", "radio-orangi-dc", readings=up)])
                poll(lambda: not staff.get("/api/v1/noc/outages", params={"open": True, "cause": "link"}).json(), 30)
                down = [{"metric": "radio_link_up", "value": 0}]
                sent = send(
                    "dc-civic", [heartbeat("dc-civic"), device_report("dc-civic", "radio-orangi-dc", "down", down)]
                )
                opened: list[dict] = []

                def link_open(opened: list[dict] = opened) -> bool:
                    opened[:] = staff.get("/api/v1/noc/outages", params={"open": True, "cause": "link"}).json()
                    return bool(opened)

                seen = poll(link_open, 30)
                started = datetime.fromisoformat(opened[0]["started_at"]).timestamp()
                link.append((seen - sent, started - sent))
                # The ticket is new, or (the same link failing again soon) the previous one reopened.
                live: list[dict] = []

                def ticket_exists(live: list[dict] = live) -> bool:
                    live[:] = [t for t in link_tickets() if t["status"] in ("registered", "assigned", "reopened")]
                    return bool(live)

                raised = poll(ticket_exists, 30)
                fresh = live[0]["status"] != "reopened"  # a reopened ticket keeps its first registration time
                stored = datetime.fromisoformat(live[0]["registered_at"]).timestamp() - started if fresh else None
                ticket.append((raised - started, stored))
                send("dc-civic", [heartbeat("dc-civic"), device_report("dc-civic", "radio-orangi-dc", readings=up)])
            for name, values, target in (
                ("silence -> site down", silence, 30),
                ("link down -> outage", link, 2),
                ("outage -> ticket", ticket, 2),
            ):
                seen = [v[0] for v in values]
                stored = [v[1] for v in values if v[1] is not None] or [float("nan")]
                print(
                    f"{backend:9} {name:22} seen by API median {statistics.median(seen):5.2f} s max {max(seen):5.2f} s;"
                    f" stored start median {statistics.median(stored):5.2f} s  (target <= {target} s)"
                )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"detection: default timing (heartbeat 10 s x 3 grace, sweep every 1 s), {args.rounds} rounds, loopback")
    for backend in args.backends.split(","):
        run(backend, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
