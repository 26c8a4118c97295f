"""A real PostgreSQL primary and its streaming hot standby, started for one test in a temporary directory.

initdb makes the primary on a free loopback port; pg_basebackup -R copies it into a standby that streams from it
on another port. The server refuses to run as root, so when the tests run as root every PostgreSQL program runs
as the `postgres` OS user (runuser), in a directory it owns. Nothing here skips: a machine that cannot start
PostgreSQL fails the test that asked for it, saying why.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support import free_port, wait_for


class ReplicaSetupError(Exception):
    """PostgreSQL could not be started here; the message says which step failed and why."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ReplicaSetupError("no PostgreSQL server programs (initdb) under /usr/lib/postgresql/*/bin or on PATH")


@dataclass
class Node:
    name: str
    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def sql(self, query: str) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            return list(conn.execute(query).fetchall())


class Pair:
    """The primary and the standby; ``run`` runs a PostgreSQL program as the user that owns the data."""

    def __init__(self, base: Path, bindir: Path, user: str | None) -> None:
        self.base, self.bindir, self.user = base, bindir, user
        self.primary = Node("primary", base / "primary", free_port(), base / "primary.log")
        self.standby = Node("standby", base / "standby", free_port(), base / "standby.log")

    def run(self, program: str, *args: str, timeout: float = 60) -> None:
        cmd = [str(self.bindir / program), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.base)
        if done.returncode != 0:
            raise ReplicaSetupError(f"{program} failed ({done.returncode}): {(done.stderr or done.stdout)[-1500:]}")

    def _configure(self, node: Node) -> None:
        with (node.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {node.port}\nunix_socket_directories = '{self.base}'\n"
                "fsync = off\nfull_page_writes = off\nmax_connections = 60\nshared_buffers = 32MB\n"
            )

    def start(self, node: Node) -> None:
        self.run("pg_ctl", "-D", str(node.data), "-l", str(node.log), "-w", "-t", "60", "start", timeout=90)

    def stop(self, node: Node) -> None:
        self.run("pg_ctl", "-D", str(node.data), "-m", "fast", "-w", "stop", timeout=90)

    def running(self, node: Node) -> bool:
        return (node.data / "postmaster.pid").exists()

    def create(self) -> None:
        self.run("initdb", "-D", str(self.primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._configure(self.primary)
        self.start(self.primary)
        self.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
            *("-D", str(self.standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        self._configure(self.standby)  # the copy carries the primary's port: the later line wins
        self.start(self.standby)
        if self.standby.sql("SELECT pg_is_in_recovery()") != [(True,)]:
            raise ReplicaSetupError("the standby is not in recovery: it would not be a replica")

    def wait_replayed(self) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        [(lsn,)] = self.primary.sql("SELECT pg_current_wal_lsn()::text")
        wait_for(
            f"the standby to replay up to {lsn}",
            lambda: self.standby.sql(f"SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '{lsn}') >= 0") == [(True,)],
            timeout=30,
            interval=0.05,
        )

    def pause_replay(self) -> None:
        self.standby.sql("SELECT pg_wal_replay_pause()")
        wait_for(
            "the standby's replay to pause",
            lambda: self.standby.sql("SELECT pg_get_wal_replay_pause_state()") == [("paused",)],
            timeout=30,
            interval=0.05,
        )

    def resume_replay(self) -> None:
        self.standby.sql("SELECT pg_wal_replay_resume()")

    def logs(self) -> str:
        return "\n".join(
            f"--- {n.name} log:\n{n.log.read_text(errors='replace')[-1500:]}"
            for n in (self.primary, self.standby)
            if n.log.exists()
        )


@contextlib.contextmanager
def streaming_pair() -> Iterator[Pair]:
    """A primary and its streaming standby, both stopped and removed afterwards."""
    bindir = _bin_dir()
    user = None
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise ReplicaSetupError("running as root and there is no `postgres` OS user to run PostgreSQL") from None
        user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="ccis-replica-"))
    if user:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    base.chmod(0o700)
    pair = Pair(base, bindir, user)
    try:
        try:
            pair.create()
        except (ReplicaSetupError, subprocess.TimeoutExpired, psycopg.Error, OSError) as exc:
            raise ReplicaSetupError(f"{exc}\n{pair.logs()}") from exc
        yield pair
    finally:
        for node in (pair.standby, pair.primary):
            if pair.running(node):
                with contextlib.suppress(ReplicaSetupError, subprocess.TimeoutExpired):
                    pair.stop(node)
        shutil.rmtree(base, ignore_errors=True)
