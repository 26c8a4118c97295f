"""Poll cost: one agent cycle over 200 simulated SNMP devices, beside Prometheus' snmp_exporter on the same devices.

    .venv/bin/python bench/bench_agent_poll.py

150 switches (26 ports, 4 IF-MIB columns), 30 UPSes (RFC 1628), 20 radios (three vendor profiles), served by
snmpsim on loopback (two instances, one per core). The agent path is the real one: Collectors (v2c through
aiosnmp, GET + GETBULK of exactly the columns) -> Report -> SQLite outbox. Prints the agent's own CPU
(time.process_time: snmpsim runs in other processes), wall time and values, then snmp_exporter's CPU (/proc) for
the same 200 scrapes. Figures only, no pass/fail: the budget is <= 4 s of agent CPU, wall within 30 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simdevices import IF4_COLUMNS, build

from agents.agent import Agent
from collectors.run import Collectors
from collectors.spec import CredentialRef, DeviceSpec
from tests.peers import free_port, snmpsim, stop

SWITCHES, UPSES, RADIOS = 150, 30, 20


def cpu_of(pid: int) -> float:
    """User+system CPU seconds of a process from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def specs_for(devices: list, port_of: dict[str, int]) -> tuple[list[DeviceSpec], dict[str, CredentialRef], dict]:
    specs, creds, env = [], {}, {}
    for community, profile, kind in devices:
        creds[community] = CredentialRef(id=community, kind="snmp_v2c", community_env=f"BENCH_{community.upper()}")
        env[f"BENCH_{community.upper()}"] = community
        collect = {"method": "snmp", "profile": profile, "port": port_of[community], "credential": community}
        collect["timeout"] = 10.0
        specs.append(DeviceSpec(id=community, site="bench", kind=kind, address="127.0.0.1", collect=collect))
    return specs, creds, env


async def agent_cycles(specs: list[DeviceSpec], creds: dict, env: dict, profiles: Path, state: Path) -> list[tuple]:
    async with httpx.AsyncClient() as client:
        agent = Agent(site="bench", noc="http://127.0.0.1:9", token="x", state_dir=state, client=client)
        agent.collectors = Collectors(creds, env=env, profile_dir=profiles)
        out = []
        for _ in range(2):  # the first cycle pays per-target setup; the second is the steady state
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(agent.collect_device(s) for s in specs))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            out.append((cpu, wall))
        last = [json.loads(body)["device"] for _, body in agent.outbox.peek(10 * len(specs))[-len(specs) :]]
        readings = sum(len(d["readings"]) for d in last)
        statuses: dict[str, int] = {}
        for d in last:
            statuses[d["status"]] = statuses.get(d["status"], 0) + 1
        await agent.collectors.aclose()
        agent.outbox.close()
        return [(cpu, wall, readings, statuses) for cpu, wall in out]


def exporter_config(devices: list) -> dict:
    """snmp.yml for snmp_exporter 0.21 (module per device: the community lives in the module)."""
    if4 = {
        "walk": IF4_COLUMNS,
        "get": ["1.3.6.1.2.1.1.3.0"],
        "metrics": [{"name": "sysUpTime", "oid": "1.3.6.1.2.1.1.3", "type": "gauge"}]
        + [
            {"name": f"c{i}", "oid": oid, "type": "gauge", "indexes": [{"labelname": "ifIndex", "type": "gauge"}]}
            for i, oid in enumerate(IF4_COLUMNS)
        ],
    }
    ups_oids = [
        "1.3.6.1.2.1.33.1.4.1.0", "1.3.6.1.2.1.33.1.2.1.0", "1.3.6.1.2.1.33.1.2.2.0", "1.3.6.1.2.1.33.1.2.3.0",
        "1.3.6.1.2.1.33.1.2.4.0", "1.3.6.1.2.1.33.1.3.3.1.3.1", "1.3.6.1.2.1.33.1.4.4.1.2.1",
        "1.3.6.1.2.1.33.1.4.4.1.5.1", "1.3.6.1.2.1.1.3.0",
    ]  # fmt: skip
    modules = {}
    for community, profile, _kind in devices:
        if profile == "bench-if4":
            mod = dict(if4)
        else:
            from collectors.profile import load_profile

            oids = ups_oids if profile == "ups-rfc1628" else [s.oid for s in load_profile(profile).scalars]
            mod = {
                "get": oids,
                "metrics": [
                    {"name": f"s{i}", "oid": o.rsplit(".", 1)[0], "type": "gauge", "indexes": []}
                    if o.endswith(".0")
                    else {"name": f"s{i}", "oid": o, "type": "gauge"}
                    for i, o in enumerate(oids)
                ],
            }
        mod.update({"version": 2, "auth": {"community": community}, "timeout": "10s", "retries": 1})
        mod["max_repetitions"] = 25
        modules[community] = mod
    return modules


async def scrape_all(port: int, devices: list, sim_ports: list[int]) -> tuple[int, int]:
    """Scrape every device once through snmp_exporter, 32 at a time; (sample lines, failed scrapes)."""
    sem = asyncio.Semaphore(32)
    lines = 0
    failed = 0
    async with httpx.AsyncClient(timeout=60) as client:

        async def one(i: int, community: str) -> None:
            nonlocal lines, failed
            async with sem:
                target = f"127.0.0.1:{sim_ports[i]}"
                r = await client.get(f"http://127.0.0.1:{port}/snmp", params={"target": target, "module": community})
                if r.status_code != 200:
                    failed += 1
                lines += sum(1 for ln in r.text.splitlines() if ln and not ln.startswith("#") and ln[0] in "cs")

        await asyncio.gather(*(one(i, d[0]) for i, d in enumerate(devices)))
    return lines, failed


def split_recordings(data: Path, work: Path) -> dict[str, Path]:
    """Deal the recordings over two directories (one snmpsim per core); device id -> its directory."""
    dirs = [work / "sim-a", work / "sim-b"]
    for d in dirs:
        d.mkdir()
    where = {}
    for i, f in enumerate(sorted(data.glob("*.snmprec"))):
        f.rename(dirs[i % 2] / f.name)
        where[f.stem] = dirs[i % 2]
    return where


def run_exporter(work: Path, devices: list, port_of: dict[str, int]) -> list[tuple]:
    conf = work / "snmp.yml"
    conf.write_text(yaml.safe_dump(exporter_config(devices)))
    eport = free_port()
    exp = subprocess.Popen(
        ["prometheus-snmp-exporter", f"--config.file={conf}", f"--web.listen-address=127.0.0.1:{eport}"],
        stdout=subprocess.DEVNULL, stderr=(work / "exporter.log").open("wb"), start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{eport}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        out = []
        for _ in range(2):
            c0, w0 = cpu_of(exp.pid), time.perf_counter()
            lines, failed = asyncio.run(scrape_all(eport, devices, [port_of[d[0]] for d in devices]))
            out.append((cpu_of(exp.pid) - c0, time.perf_counter() - w0, lines, failed))
        return out
    finally:
        stop(exp)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data, profiles, devices = build(work, SWITCHES, UPSES, RADIOS)
        where = split_recordings(data, work)
        a, b = work / "sim-a", work / "sim-b"
        with (
            snmpsim(a, work / "run-a", next(a.glob("*.snmprec")).stem, 120) as sa,
            snmpsim(b, work / "run-b", next(b.glob("*.snmprec")).stem, 120) as sb,
        ):
            port_of = {dev: sa.port if d == a else sb.port for dev, d in where.items()}
            specs, creds, env = specs_for(devices, port_of)
            sim_cpu0 = cpu_of(sa.proc.pid) + cpu_of(sb.proc.pid)
            results = asyncio.run(agent_cycles(specs, creds, env, profiles, work / "state"))
            sim_cpu = cpu_of(sa.proc.pid) + cpu_of(sb.proc.pid) - sim_cpu0
            ex = run_exporter(work, devices, port_of)

    n = SWITCHES + UPSES + RADIOS
    print(
        f"bench_agent_poll: {n} devices ({SWITCHES} switches x 26 ports x 4 IF-MIB columns, "
        f"{UPSES} UPS, {RADIOS} radios)"
    )
    for label, (cpu, wall, readings, statuses) in zip(("first cycle", "steady cycle"), results, strict=True):
        print(f"  agent {label:13s}: CPU {cpu:6.2f} s   wall {wall:6.2f} s   readings {readings}   statuses {statuses}")
    print(f"  snmpsim CPU for both agent cycles: {sim_cpu:.2f} s (2 processes)")
    for label, (cpu, wall, lines, failed) in zip(("first scrape", "second scrape"), ex, strict=True):
        print(f"  snmp_exporter {label:13s}: CPU {cpu:6.2f} s   wall {wall:6.2f} s   samples {lines}   failed {failed}")
    steady, exp_cpu = results[1][0], ex[1][0]
    print(
        f"  agent steady CPU / budget 4 s: {steady / 4:.2f}   "
        f"agent / snmp_exporter CPU: {steady / max(exp_cpu, 1e-9):.1f}x"
    )


if __name__ == "__main__":
    main()
