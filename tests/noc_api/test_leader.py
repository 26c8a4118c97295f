"""The scheduler's database leader lease: two real processes contend; only one runs jobs; takeover on death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from noc_api.db.engine import make_engine
from noc_api.db.migrate import upgrade
from noc_api.system.scheduler import LeaderLease
from tests.support import wait_for

WORKER = r"""
import sys, time, os
from noc_api.db.engine import make_engine
from noc_api.system.metrics import NocMetrics
from noc_api.system.scheduler import JobScheduler
url, out = sys.argv[1], sys.argv[2]
sched = JobScheduler(make_engine(url), NocMetrics(), lease_seconds=1.5)
def tick(now):
    with open(out, "a") as f:
        f.write(f"{os.getpid()} {time.time()}\n")
sched.add_job("tick", tick, 0.1)
sched.start()
time.sleep(120)  # bounded: the test kills us long before
"""


def _ticks(path: Path) -> list[tuple[int, float]]:
    if not path.exists():
        return []
    return [(int(a), float(b)) for a, b in (line.split() for line in path.read_text().splitlines() if line)]


def test_lease_takeover_between_two_processes(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    out = tmp_path / "ticks.txt"
    procs = []
    try:
        first = subprocess.Popen([sys.executable, "-c", WORKER, db_url, str(out)])
        procs.append(first)
        wait_for("the first process to lead", lambda: any(p == first.pid for p, _ in _ticks(out)))
        second = subprocess.Popen([sys.executable, "-c", WORKER, db_url, str(out)])
        procs.append(second)
        time.sleep(2.0)  # the second process is up and contending
        assert {p for p, _ in _ticks(out)} == {first.pid}, "only the leader runs jobs"
        os.kill(first.pid, signal.SIGKILL)  # dies without releasing its lease
        first.wait(timeout=10)
        died = time.time()
        wait_for("the second process to take over", lambda: any(p == second.pid for p, _ in _ticks(out)))
        after = [t for p, t in _ticks(out) if p == second.pid]
        assert min(after) >= died, "the second ran a job while the first still led"
        assert min(after) - died >= 0.5  # it waited for the lease to expire rather than grabbing it
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)


def test_lease_is_exclusive_and_released(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    a = LeaderLease(engine, "jobs", "a", 10)
    b = LeaderLease(engine, "jobs", "b", 10)
    assert a.acquire(1000.0) and not b.acquire(1001.0)
    assert a.acquire(1005.0)  # renew
    assert not b.acquire(1014.0) and b.acquire(1015.1)  # expired: taken over
    assert not a.acquire(1016.0)
    b.release()
    assert a.acquire(1017.0)
    engine.dispose()
