"""Footprint: the real `ccis agent` process with 20 SNMP devices; steady RSS, CPU share at 30 s, RSS slope.

    .venv/bin/python bench/bench_agent_footprint.py [--interval 2.0] [--soak 300]

The agent runs as its own process against snmpsim (8 switches on the full if-mib profile, 6 UPSes, 6 radios) and
a NOC stand-in on loopback. Accelerated honestly: devices are polled every --interval seconds instead of 30 and
the heartbeat is scaled by the same factor, so the agent's CPU over a window, times interval/30, is its share of
one core at the real 30 s interval. The soak runs --soak seconds of those rapid cycles (240 s at 1 s = 240 cycles,
what 2 hours at 30 s would do) and prints the RSS slope. Figures only: the budget is <= 64 MB, <= 2 % of a core.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simdevices import ROOT, build  # noqa: E402

from agents.wire import AgentConfig, CredentialRef  # noqa: E402
from collectors.spec import DeviceSpec  # noqa: E402
from tests.agents.noc_standin import NocStandIn  # noqa: E402
from tests.peers import free_port, snmpsim  # noqa: E402

TOKEN = "bench-token-0123456789"


def cpu_of(pid: int) -> float:
    """User+system CPU seconds of a process from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident set size in MB from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def device_reports(noc: NocStandIn) -> int:
    """Device reports the NOC stand-in has stored so far."""
    return sum(1 for r in list(noc.stored.values()) if r["kind"] == "device")


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--warmup", type=float, default=20.0)
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--soak", type=float, default=300.0)
    args = ap.parse_args()
    factor = 30.0 / args.interval

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data, _profiles, devices = build(work, 8, 6, 6, growing=True)
        # the switches use the shipped if-mib profile (9 columns, rates, uplink rule), not the bench's 4 columns
        devices = [(c, "if-mib" if p == "bench-if4" else p, k) for c, p, k in devices]
        with snmpsim(data, work / "sim", devices[0][0], 60) as sim:
            port = free_port()
            specs = [
                DeviceSpec(
                    id=c, site="bench", kind=k, address="127.0.0.1",
                    collect={"method": "snmp", "profile": p, "port": sim.port, "credential": c,
                             "interval": args.interval, "uplinks": ["Gi0/1"] if k == "switch" else []},
                )
                for c, p, k in devices
            ]  # fmt: skip
            creds = [CredentialRef(id=c, kind="snmp_v2c", community_env=f"BENCH_{c.upper()}") for c, _, _ in devices]
            env = {**os.environ, **{f"BENCH_{c.upper()}": c for c, _, _ in devices}}
            config = AgentConfig(
                site_id="bench", config_id="b1", heartbeat_seconds=10.0 / factor, devices=specs, credentials=creds
            )
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
                time.sleep(args.warmup)
                done0, c0, t0 = device_reports(noc), cpu_of(agent.pid), time.monotonic()
                time.sleep(args.window)
                cpu, wall = cpu_of(agent.pid) - c0, time.monotonic() - t0
                done = device_reports(noc) - done0
                rss_steady = rss_mb(agent.pid)
                samples, start = [], time.monotonic()
                while (elapsed := time.monotonic() - start) < args.soak:
                    samples.append((elapsed, rss_mb(agent.pid)))
                    time.sleep(5)
                soak_reports = len(noc.stored)
            finally:
                agent.send_signal(signal.SIGTERM)
                try:
                    agent.wait(20)
                except subprocess.TimeoutExpired:
                    agent.kill()
                noc.stop()
                problems = [ln for ln in (work / "agent.log").read_text().splitlines() if "Traceback" in ln]

    # cycles actually completed (a cycle longer than the accelerated interval is skipped, not queued): all the
    # agent's CPU in the window (sender, heartbeats at 30x too) is charged to them, which overstates, never hides
    cycles = done / 20
    share = cpu / cycles / 30.0
    per_min = slope(samples) * 60
    cycles_soak = args.soak / args.interval
    print(f"bench_agent_footprint: 20 SNMP devices, interval {args.interval}s (x{factor:.0f} accelerated)")
    print(
        f"  CPU {cpu:.2f} s over {wall:.0f} s = {cycles:.0f} cycles: "
        f"{cpu / cycles * 1000:.0f} ms per cycle of 20 devices"
    )
    print(f"  CPU share at 30 s intervals: {share * 100:.2f} % of one core (budget 2 %: ratio {share / 0.02:.2f})")
    print(f"  device cycles completed in the window: {cycles:.0f} of {wall / args.interval:.0f} scheduled")
    print(f"  steady RSS {rss_steady:.1f} MB (budget 64 MB: ratio {rss_steady / 64:.2f})")
    first, last = samples[0][1], samples[-1][1]
    print(
        f"  soak {args.soak:.0f} s = {cycles_soak:.0f} cycles (= {cycles_soak * 30 / 3600:.1f} h at 30 s): RSS "
        f"{first:.1f} -> {last:.1f} MB, slope {per_min * 1024:.1f} KB/min accelerated "
        f"= {per_min * 1024 / factor * 60:.1f} KB/h at 30 s; {soak_reports} reports delivered in total"
    )
    if problems:
        print(f"  agent log has {len(problems)} tracebacks")


if __name__ == "__main__":
    main()
