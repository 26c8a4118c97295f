"""Footprint: the real `ccis agent` with SNMP, NUT, CLI and psutil devices; steady RSS, CPU share at 30 s, RSS slope.

    .venv/bin/python bench/bench_agent_footprint.py [--interval 2.0] [--soak 300]

The agent runs as its own process against snmpsim (8 switches on the full if-mib profile, 6 UPSes, 6 radios),
a NUT upsd with the dummy-ups driver, a fake-switches Cisco switch over SSH (CLI: netmiko in a short-lived
worker process) and its own host (psutil), sending to a NOC stand-in on loopback. Accelerated honestly: the
SNMP, NUT and psutil devices are polled every --interval seconds instead of 30 and the heartbeat is scaled by the
same factor, so the agent's own CPU over a window, per completed cycle, over 30 s is its share of one core at the
real interval. The CLI switch is polled as often as its worker allows; its cost is counted per poll (the workers'
CPU, from the agent's children times) and charged at one poll per 30 s. The soak runs --soak seconds of those
rapid cycles and prints the RSS slope. Figures only: the budget is <= 64 MB and <= 2 % of a core.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simdevices import ROOT, build

from agents.wire import AgentConfig, CredentialRef
from collectors.spec import DeviceSpec
from tests.agents.noc_standin import NocStandIn
from tests.peers import fake_switch, free_port, nut, snmpsim

TOKEN = "bench-token-0123456789"
SITE = "bench"


def cpu_of(pid: int, children: bool = False) -> float:
    """User+system CPU seconds of a process (with ``children``: of its waited-for children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    first = 13 if children else 11  # utime, stime / cutime, cstime
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, key: str) -> int:
    """A VmRSS/VmHWM line of /proc/PID/status, in kB (0 when the process is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_mb(pid: int) -> float:
    """Resident set size in MB from /proc."""
    return status_kb(pid, "VmRSS") / 1024


class WorkerWatch(threading.Thread):
    """Samples the agent's CLI worker processes every 20 ms: peak RSS seen, workers seen.

    Only children already running the worker count: a child between fork and exec still shows the agent's pages.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.seen, self.stop = pid, 0, set(), threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(OSError):
                for child in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split():
                    if b"cli_worker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                        continue
                    self.seen.add(int(child))
                    self.peak_kb = max(self.peak_kb, status_kb(int(child), "VmHWM"))
            time.sleep(0.02)


def reports(noc: NocStandIn, devices: set[str]) -> int:
    """Device reports of ``devices`` the NOC stand-in has stored so far."""
    return sum(1 for r in list(noc.stored.values()) if r["kind"] == "device" and r["device"]["device_id"] in devices)


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

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as peers:
        work = Path(tmp)
        data, _profiles, snmp_devices = build(work, 8, 6, 6, growing=True)
        # the switches use the shipped if-mib profile (11 columns, rates, uplink rule), not the bench's 4 columns
        snmp_devices = [(c, "if-mib" if p == "bench-if4" else p, k) for c, p, k in snmp_devices]
        sim = peers.enter_context(snmpsim(data, work / "sim", snmp_devices[0][0], 60))
        ups = peers.enter_context(nut(work))
        (work / "sw").mkdir()
        ssh_port = peers.enter_context(fake_switch(work / "sw", "admin", "bench-pass"))
        fast = {"interval": args.interval}
        specs = [
            DeviceSpec(
                id=c, site=SITE, kind=k, address="127.0.0.1",
                collect={"method": "snmp", "profile": p, "port": sim.port, "credential": c, **fast,
                         "uplinks": ["Gi0/1"] if k == "switch" else []},
            )
            for c, p, k in snmp_devices
        ]  # fmt: skip
        specs += [
            DeviceSpec(id="nut-ups", site=SITE, kind="ups", address="127.0.0.1",
                       collect={"method": "nut", "port": ups.port, "ups": ups.ups, **fast}),
            DeviceSpec(id="agent-host", site=SITE, kind="workstation", address="127.0.0.1",
                       collect={"method": "psutil", **fast}),
            DeviceSpec(id="cli-switch", site=SITE, kind="switch", address="127.0.0.1",
                       collect={"method": "cli", "port": ssh_port, "credential": "cli", "interval": args.interval,
                                "timeout": 10, "uplinks": ["Gi0/1"]}),
        ]  # fmt: skip
        creds = [CredentialRef(id=c, kind="snmp_v2c", community_env=f"BENCH_{c.upper()}") for c, _, _ in snmp_devices]
        creds.append(CredentialRef(id="cli", kind="cli", username_env="BENCH_CLI_USER", password_env="BENCH_CLI_PASS"))
        env = {**os.environ, **{f"BENCH_{c.upper()}": c for c, _, _ in snmp_devices}}
        env |= {"BENCH_CLI_USER": "admin", "BENCH_CLI_PASS": "bench-pass"}
        config = AgentConfig(
            site_id=SITE, config_id="b1", heartbeat_seconds=10.0 / factor, devices=specs, credentials=creds
        )
        port = free_port()
        noc = NocStandIn(port, TOKEN, config)
        noc.start()
        token = work / "token"
        token.write_text(TOKEN)
        cmd = [sys.executable, "-m", "ccis.cli", "agent", "--site", SITE, "--noc", f"http://127.0.0.1:{port}"]
        cmd += ["--token-file", str(token), "--state-dir", str(work / "state"), "--loopback-only"]
        agent = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(work / "agent.log").open("wb"),
            start_new_session=True,
        )  # fmt: skip
        watch = WorkerWatch(agent.pid)
        watch.start()
        cycled = {s.id for s in specs if s.collect.method.value != "cli"}
        try:
            time.sleep(args.warmup)
            done0, cli0 = reports(noc, cycled), reports(noc, {"cli-switch"})
            c0, k0, t0 = cpu_of(agent.pid), cpu_of(agent.pid, children=True), time.monotonic()
            time.sleep(args.window)
            cpu, kids, wall = cpu_of(agent.pid) - c0, cpu_of(agent.pid, children=True) - k0, time.monotonic() - t0
            done, cli_polls = reports(noc, cycled) - done0, reports(noc, {"cli-switch"}) - cli0
            rss_steady = rss_mb(agent.pid)
            hwm = status_kb(agent.pid, "VmHWM") / 1024
            samples, start = [], time.monotonic()
            while (elapsed := time.monotonic() - start) < args.soak:
                samples.append((elapsed, rss_mb(agent.pid)))
                time.sleep(5)
            soak_reports = len(noc.stored)
            cli_status = [
                r["device"]["status"] for r in list(noc.stored.values())
                if r["kind"] == "device" and r["device"]["device_id"] == "cli-switch"
            ]  # fmt: skip
        finally:
            watch.stop.set()
            agent.send_signal(signal.SIGTERM)
            try:
                agent.wait(20)
            except subprocess.TimeoutExpired:
                agent.kill()
            noc.stop()
            problems = [ln for ln in (work / "agent.log").read_text().splitlines() if "Traceback" in ln]

    n = len(cycled)
    cycles = done / n
    share = cpu / cycles / 30.0
    cli_share = kids / cli_polls / 30.0 if cli_polls else float("nan")
    per_min = slope(samples) * 60
    cycles_soak = args.soak / args.interval
    print(
        f"bench_agent_footprint: {n - 2} SNMP devices + NUT + psutil every {args.interval}s "
        f"(x{factor:.0f} accelerated) + 1 CLI switch (netmiko in a worker process)"
    )
    print(f"  agent CPU {cpu:.2f} s over {wall:.0f} s = {cycles:.0f} cycles: {cpu / cycles * 1000:.0f} ms per cycle")
    print(f"  agent CPU share at 30 s intervals: {share * 100:.2f} % of one core (budget 2 %: {share / 0.02:.2f})")
    print(
        f"  CLI: {cli_polls} polls in the window, workers' CPU {kids:.2f} s = {kids / max(cli_polls, 1):.2f} s per "
        f"poll = {cli_share * 100:.2f} % of one core per CLI device at 30 s; worker peak RSS "
        f"{watch.peak_kb / 1024:.1f} MB, alive only during a poll ({len(watch.seen)} workers seen); "
        f"statuses {sorted(set(cli_status))}"
    )
    print(f"  total CPU share (agent + one CLI device): {(share + cli_share) * 100:.2f} % of one core")
    print(f"  device cycles completed in the window: {cycles:.0f} of {wall / args.interval:.0f} scheduled")
    print(f"  steady RSS {rss_steady:.1f} MB, peak (VmHWM) {hwm:.1f} MB (budget 64 MB: ratio {rss_steady / 64:.2f})")
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
