"""Recovery: after the agent<->NOC link returns, how long until the real `ccis agent` has a batch accepted.

    .venv/bin/python bench/bench_agent_recovery.py [--outages 20,60]

The agent (its own process, 20 SNMP devices on snmpsim at a 2 s interval, heartbeat 1 s) sends to a NOC stand-in
on loopback; the stand-in is stopped (connections refused) for each outage, then started again. Printed per
outage: restore -> first accepted batch, beside the same-run ceiling: restore -> first answer to a bare client
polling every 10 ms (the stand-in's own start latency). The target is <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simdevices import ROOT, build

from agents.wire import AgentConfig, CredentialRef
from collectors.spec import DeviceSpec
from tests.agents.noc_standin import NocStandIn
from tests.peers import free_port, snmpsim

TOKEN = "bench-token-0123456789"


def first_answer(port: int, since: float, out: list[float]) -> None:
    """Poll the stand-in every 10 ms (bounded: 60 s) and note when it first answers."""
    with httpx.Client(timeout=1) as c:
        for _ in range(6000):
            try:
                c.get(f"http://127.0.0.1:{port}/api/v1/agents/none/config")
                out.append(time.monotonic() - since)
                return
            except httpx.HTTPError:
                time.sleep(0.01)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outages", default="20,60", help="outage lengths in seconds, comma-separated")
    args = ap.parse_args()
    outages = [float(x) for x in args.outages.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data, _profiles, devices = build(work, 8, 6, 6)
        devices = [(c, "if-mib" if p == "bench-if4" else p, k) for c, p, k in devices]
        with snmpsim(data, work / "sim", devices[0][0], 60) as sim:
            port = free_port()
            specs = [
                DeviceSpec(id=c, site="bench", kind=k, address="127.0.0.1",
                           collect={"method": "snmp", "profile": p, "port": sim.port, "credential": c, "interval": 2})
                for c, p, k in devices
            ]  # fmt: skip
            creds = [CredentialRef(id=c, kind="snmp_v2c", community_env=f"BENCH_{c.upper()}") for c, _, _ in devices]
            env = {**os.environ, **{f"BENCH_{c.upper()}": c for c, _, _ in devices}}
            config = AgentConfig(site_id="bench", config_id="r1", heartbeat_seconds=1, devices=specs, credentials=creds)
            noc = NocStandIn(port, TOKEN, config)
            noc.start()
            token = work / "token"
            token.write_text(TOKEN)
            cmd = [sys.executable, "-m", "ccis.cli", "agent", "--site", "bench", "--noc", f"http://127.0.0.1:{port}"]
            cmd += ["--token-file", str(token), "--state-dir", str(work / "state"), "--loopback-only"]
            agent = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(work / "agent.log").open("wb"),
                start_new_session=True,
            )  # fmt: skip
            try:
                deadline = time.monotonic() + 60
                while len(noc.stored) < 50 and time.monotonic() < deadline:
                    time.sleep(0.2)
                for outage in outages:
                    noc.stop()
                    time.sleep(outage)
                    waiting = len(noc.stored)
                    ceiling: list[float] = []
                    restore = time.monotonic()
                    probe = threading.Thread(target=first_answer, args=(port, restore, ceiling))
                    probe.start()
                    noc.start()
                    restore_listening = time.monotonic()
                    deadline = restore + 120
                    while not [t for t in noc.accepted_at if t >= restore] and time.monotonic() < deadline:
                        time.sleep(0.01)
                    probe.join(65)
                    got = [t for t in noc.accepted_at if t >= restore]
                    delay = got[0] - restore if got else float("nan")
                    first = ceiling[0] if ceiling else float("nan")
                    results.append((outage, delay, first, restore_listening - restore))
                    time.sleep(3)  # let the backlog drain before the next outage
                    if len(noc.stored) <= waiting:
                        print(f"  warning: nothing new stored after the {outage:.0f} s outage")
            finally:
                agent.send_signal(signal.SIGTERM)
                try:
                    agent.wait(20)
                except subprocess.TimeoutExpired:
                    agent.kill()
                noc.stop()

    print("bench_agent_recovery: real `ccis agent`, 20 SNMP devices, NOC stand-in refusing during each outage")
    for outage, delay, ceiling, start in results:
        print(
            f"  outage {outage:5.0f} s: restore -> first accepted batch {delay:5.2f} s   "
            f"(ceiling: a bare client's first answer {ceiling:5.2f} s; stand-in start {start:.2f} s)   "
            f"target 5 s: ratio {delay / 5:.2f}"
        )


if __name__ == "__main__":
    main()
