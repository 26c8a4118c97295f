"""One listener's error never stops the NOC, with real `ccis serve` and `ccis agent` processes.

A town whose agent falls silent ten times in a row: ten outages, one internal ticket that follows them (reopened
nine times, never escalated to the citizens' officers), the sweep never failing, the other town always seen, and
the wall's state read now (last heard, open outage's duration). Then a city whose inventory lacks the NOC's ticket
categories: the ticket listener fails on every sweep, yet the outage, its alert and the other town are recorded,
the failures are counted on /metrics and /healthz (of either of two workers) answers 503 naming the listener,
until the outage ends.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import signal
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.real_city import NOC_CATEGORIES, agent, fast_rules, firing, prepare, server_env, staff
from tests.support import ccis_serve, wait_for

INVENTORY = """\
version: 1
city: {{code: KHI, name: Karachi}}
departments: [{{id: it, name: IT and NOC}}]
towns: [{{id: orangi, name: Orangi}}, {{id: lyari, name: Lyari}}]
categories:
{categories}
sites:
  - id: town-orangi
    name: Orangi Town Office
    kind: town_office
    town: orangi
    agent_host: orangi-pc-01
    devices:
      - {{id: orangi-pc-01, kind: workstation, address: 127.0.0.1, collect: {{method: psutil, interval: 1}}}}
  - id: town-lyari
    name: Lyari Town Office
    kind: town_office
    town: lyari
    agent_host: lyari-pc-01
    devices:
      - {{id: lyari-pc-01, kind: workstation, address: 127.0.0.1, collect: {{method: psutil, interval: 1}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-pc-01]}}}}
"""
SITES = ["town-orangi", "town-lyari"]


def city(db_url: str, tmp: Path, categories: str) -> tuple[dict[str, str], dict[str, Path]]:
    inventory = tmp / "inventory.yaml"
    inventory.write_text(INVENTORY.format(categories=categories or "  []"))
    env = server_env(db_url, inventory, fast_rules(tmp / "rules"), tmp)
    return env, prepare(env, tmp, SITES)


def site(c: httpx.Client, sid: str) -> dict:
    return next(s for s in c.get("/api/v1/noc/state").json()["sites"] if s["id"] == sid)


def listener_failures(c: httpx.Client, name: str) -> float:
    """As the process answering says (a fresh connection each time: with two workers, either may answer)."""
    text = httpx.get(f"{c.base_url}/metrics", timeout=15).text
    m = re.search(rf'^ccis_health_listener_failures_total\{{listener="{name}"\}} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def sweep_failures(c: httpx.Client) -> float:
    m = re.search(
        r'^ccis_scheduler_job_runs_total\{job="health_sweep",outcome="failure"\} (\S+)$', c.get("/metrics").text, re.M
    )
    return float(m.group(1)) if m else 0.0


def open_outages(c: httpx.Client) -> list[dict]:
    return c.get("/api/v1/noc/outages", params={"open": True}).json()


def tickets(c: httpx.Client) -> list[dict]:
    return c.get("/api/v1/complaints", params={"channel": "internal"}).json()


def test_ten_outages_in_a_row_one_ticket_follows_them(db_url: str, tmp_path: Path) -> None:
    env, tokens = city(db_url, tmp_path, NOC_CATEGORIES)
    with ccis_serve(env, tmp_path / "serve.log") as url, ExitStack() as stack:
        agents = {
            s: stack.enter_context(agent(s, url, tokens[s], tmp_path / s, tmp_path / f"{s}.log", {})) for s in SITES
        }
        c = staff(url)
        wait_for("both towns up", lambda: all(site(c, s)["state"] == "up" for s in SITES), timeout=90)
        for n in range(1, 11):
            os.killpg(agents["town-orangi"].pid, signal.SIGSTOP)  # the town's link fails: its agent falls silent
            [outage] = wait_for(f"outage {n}", lambda: [o for o in open_outages(c) if o["subject_id"] == "town-orangi"])
            [ticket] = wait_for(
                f"the ticket follows outage {n}", lambda: [t for t in tickets(c) if t["status"] != "resolved"]
            )
            assert ticket["status"] in ("assigned", "reopened"), ticket
            if n == 1:
                # The wall reads now: the other town's last heard moves on, the outage's duration grows.
                lyari, dur = site(c, "town-lyari")["last_heard"], outage["duration_seconds"]
                wait_for("Lyari heard again", lambda lyari=lyari: site(c, "town-lyari")["last_heard"] > lyari)
                state = c.get("/api/v1/noc/state").json()
                assert next(o for o in state["outages"] if o["id"] == outage["id"])["duration_seconds"] > dur
            os.killpg(agents["town-orangi"].pid, signal.SIGCONT)  # the link is back
            wait_for(f"outage {n} closed", lambda: not [o for o in open_outages(c) if o["subject_id"] == "town-orangi"])
            wait_for(
                f"the ticket resolved after outage {n}", lambda: [t for t in tickets(c) if t["status"] == "resolved"]
            )
            assert c.get("/healthz").status_code == 200
        [ticket] = tickets(c)
        history = c.get(f"/api/v1/complaints/{ticket['tracking_number']}").json()["history"]
        actions = [e["action"] for e in history]
        assert actions.count("reopen") == 9 and actions.count("resolve") == 10, actions
        assert "escalated" not in {e["to_status"] for e in history}
        outages = [o for o in c.get("/api/v1/noc/outages").json() if o["subject_id"] == "town-orangi"]
        assert len(outages) == 10 and all(o["ended_at"] for o in outages)
        assert sweep_failures(c) == 0 and listener_failures(c, "tickets") == 0 and listener_failures(c, "alerting") == 0


def test_a_failing_listener_is_isolated_counted_and_named_on_healthz(db_url: str, tmp_path: Path) -> None:
    env, tokens = city(db_url, tmp_path, "")  # no noc-* categories: every internal ticket fails to register
    # Two workers: whichever answers /healthz tells what the leader sees.
    with ccis_serve(env, tmp_path / "serve.log", args=("--workers", "2")) as url, ExitStack() as stack:
        agents = {
            s: stack.enter_context(agent(s, url, tokens[s], tmp_path / s, tmp_path / f"{s}.log", {})) for s in SITES
        }
        c = staff(url)
        wait_for("both towns up", lambda: all(site(c, s)["state"] == "up" for s in SITES), timeout=90)
        os.killpg(agents["town-orangi"].pid, signal.SIGSTOP)
        # Health is still recorded and the alerts still fire, while the ticket listener fails on every sweep.
        wait_for("Orangi down", lambda: site(c, "town-orangi")["state"] == "down")
        assert [o["subject_id"] for o in open_outages(c)] == ["town-orangi"]
        wait_for("the outage alert", lambda: firing(c, "outage_open"))
        wait_for("the ticket listener's failures counted", lambda: listener_failures(c, "tickets") >= 3)
        health = wait_for("/healthz 503", lambda: (r := c.get("/healthz")).status_code == 503 and r.json())
        assert "health listener tickets failed" in health["checks"]["jobs"], health
        assert {httpx.get(f"{url}/healthz", timeout=15).status_code for _ in range(10)} == {503}  # any worker
        lyari = site(c, "town-lyari")["last_heard"]
        wait_for("Lyari still heard", lambda: site(c, "town-lyari")["last_heard"] > lyari)
        assert tickets(c) == [] and sweep_failures(c) == 0 and listener_failures(c, "alerting") == 0
        # The town comes back: the outage ends, the listener has nothing left to fail on, /healthz is 200 again.
        os.killpg(agents["town-orangi"].pid, signal.SIGCONT)
        wait_for("the outage closed", lambda: open_outages(c) == [])
        wait_for("/healthz 200 again", lambda: c.get("/healthz").status_code == 200)
