"""`ccis serve --workers 2`: two API processes answer, only the lease holder runs background jobs - every one of
them, each in that one process only - and when it is killed the other takes the jobs over within the lease. The
supervising parent never loads the app."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from noc_api.db.engine import make_engine
from noc_api.system.scheduler import LEASES
from tests.support import CCIS, ROOT, free_port, stop, wait_for


def _leader_pid(db_url: str) -> int | None:
    """The process holding the scheduler's lease now (its holder is host:pid:nonce), if the lease is live."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(LEASES.c.holder, LEASES.c.expires_ts)).first()
    finally:
        engine.dispose()
    return int(row.holder.split(":")[1]) if row and row.expires_ts > time.time() else None


# Every background job the server registers (noc_api.runtime._register_jobs), each on a short interval here so
# each runs during the test; maintenance_schedule runs when a process wins the lease.
JOBS = {
    "health_sweep",
    "rollup",
    "retention",
    "alert_notices",
    "notifications",
    "sla_escalation",
    "maintenance_schedule",
    "maintenance_windows",
    "report_mail",
}
LEASE = 3.0
RENEW = LEASE / 3  # the scheduler renews (or tries to take) the lease every third of its length


def _scrape(url: str) -> tuple[float, dict[str, float]]:
    """(ccis_scheduler_leader, runs per job of any outcome) as one worker answers /metrics."""
    r = httpx.get(f"{url}/metrics", timeout=30)
    leader = re.search(r"^ccis_scheduler_leader (\S+)$", r.text, re.M)
    runs: dict[str, float] = {}
    for job, _outcome, n in re.findall(
        r'^ccis_scheduler_job_runs_total\{job="([^"]+)",outcome="([^"]+)"\} (\S+)$', r.text, re.M
    ):
        runs[job] = runs.get(job, 0.0) + float(n)
    return float(leader.group(1)) if leader else 0.0, runs


def test_two_workers_one_leader_and_takeover(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_STATE_DIR": str(tmp_path / "var"),
        "CCIS_HOST": "127.0.0.1",
        "CCIS_PORT": str(port),
        "CCIS_LEADER_LEASE_SECONDS": str(LEASE),
        "CCIS_ENV": "test",
        **{
            f"CCIS_{name}_INTERVAL_SECONDS": "1"
            for name in ("HEALTH", "ROLLUP", "RETENTION", "NOTIFY", "SLA", "REPORT_MAIL")
        },
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CCIS, "serve", "--workers", "2"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("the workers to answer", lambda: _answers(url, proc, log), timeout=120)
        first = wait_for("one worker to take the lead", lambda: _leader_pid(db_url), timeout=60)
        assert first != proc.pid, "the lease is held by a worker, not the supervising parent"
        # The supervisor only holds the socket: it never loads the app (the database layer is a fair witness).
        assert _loads_sqlalchemy(first), "a worker loads the database layer (else the check below sees nothing)"
        assert not _loads_sqlalchemy(proc.pid), "the supervisor loaded the app: it holds a worker's memory for nothing"
        # Both workers answer /metrics; the lease holder has run every job, the other none.
        seen: dict[float, dict[str, float]] = {}  # by ccis_scheduler_leader (1 leader, 0 follower): runs per job

        def both_seen() -> bool:
            leader, runs = _scrape(url)
            if leader == 0.0 and runs:
                seen[0.0] = runs  # a follower that ran something: fail below, at once
                return True
            seen[leader] = runs
            return {0.0, 1.0} <= seen.keys() and {j for j, n in seen[1.0].items() if n > 0} >= JOBS

        wait_for("answers from the leader (every job run) and the follower", both_seen, timeout=120, interval=0.05)
        # Each process tells its own memory, as the system sees it.
        rss = re.search(r"^process_resident_memory_bytes (\S+)$", httpx.get(f"{url}/metrics", timeout=30).text, re.M)
        assert rss and float(rss.group(1)) > 20 * 2**20, "process_resident_memory_bytes of a worker"
        assert seen[0.0] == {}, f"the follower ran jobs: {seen[0.0]}"
        assert _leader_pid(db_url) == first, "the lead moved although nobody died"

        before = _lease(db_url)
        os.kill(first, signal.SIGKILL)  # the leader dies without releasing its lease
        took = wait_for(
            "another worker to take the jobs over", lambda: _leader_pid(db_url) not in (None, first), timeout=120
        )
        assert took
        # Within the lease: the new holder took it at its first renewal after the dead one's lease ran out, read
        # from the lease row's own times (its expiry minus its length), so a slow machine does not decide this.
        holder, expires = _lease(db_url)
        taken_at = expires - LEASE
        assert holder != before[0]
        assert taken_at >= before[1], "the lease was taken while the dead leader's was still valid"
        assert taken_at - before[1] <= RENEW + LEASE, "the jobs moved later than a renewal after the lease ran out"

        def new_leader_runs_jobs() -> bool:
            leader, runs = _scrape(url)  # the dead leader answers no more: a leader now is the new one
            return leader == 1.0 and runs.get("health_sweep", 0) > 0

        wait_for("the new leader to run the jobs", new_leader_runs_jobs, timeout=120, interval=0.05)
        assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200
    finally:
        stop(proc, grace=20)


def _loads_sqlalchemy(pid: int) -> bool:
    """Whether the process has SQLAlchemy's compiled modules mapped (it imported SQLAlchemy)."""
    return "/sqlalchemy/" in Path(f"/proc/{pid}/maps").read_text()


def _lease(db_url: str) -> tuple[str, float]:
    """(holder, expires_ts) of the scheduler's lease row."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(LEASES.c.holder, LEASES.c.expires_ts)).one()
    finally:
        engine.dispose()
    return row.holder, row.expires_ts


def _answers(url: str, proc: subprocess.Popen, log: Path) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"ccis serve exited: {log.read_text()[-2000:]}")
    try:
        return httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
