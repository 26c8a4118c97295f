"""The real agent process (`ccis agent`) against the NOC stand-in: kill -9 mid-run loses nothing written and
counts nothing twice; it starts from its cached config while the NOC is down; --loopback-only; its /metrics."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from agents.wire import AgentConfig
from collectors.spec import DeviceSpec
from tests.agents.noc_standin import NocStandIn
from tests.peers import ROOT, free_port
from tests.support import wait_for

TOKEN = "site-token-for-tests-0123456789"
SITE = "test-site"


def make_config(noc_port: int) -> AgentConfig:
    devices = [
        DeviceSpec(
            id="me", site=SITE, kind="server", address="127.0.0.1", collect={"method": "psutil", "interval": 0.3}
        ),
        DeviceSpec(
            id="noc-port", site=SITE, kind="server", address="127.0.0.1",
            collect={"method": "tcp", "port": noc_port, "interval": 0.3, "timeout": 1},
        ),
        # the city's real address: --loopback-only must never collect it
        DeviceSpec(
            id="far-switch", site=SITE, kind="switch", address="10.255.0.1",
            collect={"method": "snmp", "profile": "if-mib", "credential": "v2"},
        ),
    ]  # fmt: skip
    return AgentConfig(site_id=SITE, config_id="c1", heartbeat_seconds=0.5, devices=devices, credentials=[])


def outbox_ids(state: Path) -> set[str]:
    db = state / "outbox.db"
    if not db.exists():
        return set()
    with sqlite3.connect(db, timeout=5) as conn:
        return {r[0] for r in conn.execute("SELECT report_id FROM outbox")}


@pytest.fixture
def agent_factory(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")

    def start(noc_port: int, state: Path, *extra: str) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "ccis.cli", "agent", "--site", SITE, "--noc", f"http://127.0.0.1:{noc_port}"]
        cmd += ["--token-file", str(token), "--state-dir", str(state), "--loopback-only", *extra]
        log = (tmp_path / f"agent-{len(procs)}.log").open("wb")
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


def test_kill_9_loses_nothing_and_counts_nothing_twice(tmp_path: Path, agent_factory) -> None:
    port = free_port()
    noc = NocStandIn(port, TOKEN, make_config(port))
    state = tmp_path / "state"
    try:
        noc.start()
        first = agent_factory(port, state)
        wait_for("first reports at the NOC", lambda: len(noc.stored) >= 10)
        assert (state / "config.json").exists()  # cached for the next start

        noc.stop()  # the link goes: reports pile up in the outbox
        wait_for("the outbox to fill while the NOC is down", lambda: len(outbox_ids(state)) >= 15)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        written = outbox_ids(state)  # everything written before the kill

        # restart while the NOC is still down: the agent runs from its cached config and keeps collecting
        metrics_port = free_port()
        second = agent_factory(port, state, "--metrics-port", str(metrics_port))
        wait_for("collection from the cached config", lambda: len(outbox_ids(state) - written) >= 5)
        exposition = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert "ccis_agent_outbox_depth" in exposition
        promtool = shutil.which("promtool")
        assert promtool, "promtool (Debian package prometheus) is not installed"
        lint = subprocess.run([promtool, "check", "metrics"], input=exposition, capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout + lint.stderr

        noc.start()  # the link comes back
        wait_for("every report written before the kill to arrive", lambda: written <= set(noc.stored), 60)
        second.send_signal(signal.SIGTERM)
        try:
            code = second.wait(60)  # generous: shared machines can be slow; a hang fails with the agent's log
        except subprocess.TimeoutExpired:
            pytest.fail(f"agent did not stop on SIGTERM: {(tmp_path / 'agent-1.log').read_text()[-3000:]}")
        assert code == 0, (tmp_path / "agent-1.log").read_text()[-3000:]
    finally:
        noc.stop()

    stored = list(noc.stored.values())
    assert len({r["report_id"] for r in stored}) == len(stored)
    seqs = sorted(r["seq"] for r in stored)
    assert len(seqs) == len(set(seqs)), "a sequence number was reused across the restart"
    # only reports in flight at the kill or the stop (a number taken, not yet written) may be missing: one per
    # job (two devices, heartbeat, the skipped device) at each of the two stops
    with sqlite3.connect(state / "outbox.db") as conn:
        bodies = [json.loads(zlib.decompress(b)) for (b,) in conn.execute("SELECT body FROM outbox")]
    waiting = {b["seq"] for b in bodies}
    missing = set(range(1, seqs[-1] + 1)) - set(seqs) - waiting
    assert len(missing) <= 8, sorted(missing)

    far = [r for r in stored if r["kind"] == "device" and r["device"]["device_id"] == "far-switch"]
    assert far and all(r["device"]["status"] == "unknown" for r in far)
    assert all("not collected" in r["device"]["error"] and not r["device"]["readings"] for r in far)
    beats = [r for r in stored if r["kind"] == "heartbeat"]
    assert beats and beats[-1]["agent"]["version"]
    me = [r for r in stored if r["kind"] == "device" and r["device"]["device_id"] == "me"]
    assert any(x["metric"] == "host_memory_used_ratio" for x in me[-1]["device"]["readings"])
    assert any(x["metric"] == "collector_duration_seconds" for x in me[-1]["device"]["readings"])


def test_a_full_disk_budget_drops_the_oldest_readings_keeps_state_changes_and_says_so(
    tmp_path: Path, agent_factory
) -> None:
    port = free_port()
    noc = NocStandIn(port, TOKEN, make_config(port))
    state = tmp_path / "state"
    metrics_port = free_port()
    budget_mb = 0.03  # about 30 KB: a few dozen reports, filled within seconds while the NOC is away
    noc.start()
    agent = agent_factory(port, state, "--metrics-port", str(metrics_port), "--outbox-budget-mb", str(budget_mb))
    wait_for("first reports at the NOC", lambda: len(noc.stored) >= 5)
    noc.stop()  # the link goes; the agent's probe of the NOC's port now sees it down: a state change

    def meter(name: str) -> float:
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        return next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))

    wait_for("the disk budget to drop reports", lambda: meter("ccis_agent_outbox_dropped_total") >= 20, 120)
    assert meter("ccis_agent_outbox_bytes") <= budget_mb * 1024 * 1024
    with sqlite3.connect(state / "outbox.db", timeout=5) as conn:  # the state changes waiting: never dropped
        changes_kept = {r[0] for r in conn.execute("SELECT report_id FROM outbox WHERE keep = 1")}
    assert changes_kept
    noc.start()  # the link comes back: what was kept arrives, the state changes among it
    wait_for("every state change kept to arrive", lambda: changes_kept <= set(noc.stored), 60)
    changes = [
        r for r in noc.stored.values()
        if r.get("state_change") and (r.get("device") or {}).get("device_id") == "noc-port"
        and r["device"]["status"] != "up"
    ]  # fmt: skip
    assert changes, "the NOC port going down was dropped by the budget"
    agent.send_signal(signal.SIGTERM)
    agent.wait(60)
