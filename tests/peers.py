"""Real peers on loopback for tests and benchmarks: snmpsim, Debian snmpd, NUT upsd + dummy-ups, fake-switches.

Each launcher starts the process, waits until it really answers, and stops it in ``finally`` (a fixture uses
the context manager). A peer that cannot start raises `PeerError` saying why: tests fail, never skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class PeerError(RuntimeError):
    """A peer process could not be started or never became ready."""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Stop a process we started (its own process group), escalating to SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    out = log.open("ab")
    try:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True
        )
    except OSError as exc:
        raise PeerError(f"cannot start {cmd[0]}: {exc}") from exc
    finally:
        out.close()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-1500:] if log.exists() else "(no log)"


def snmp_answers(port: int, community: str, oid: str = "1.3.6.1.2.1.1.3.0", timeout: float = 0.5) -> bool:
    """True when an SNMP v2c GET on 127.0.0.1:port answers (a tiny synchronous probe via the snmp tools)."""
    tool = shutil.which("snmpget")
    if not tool:
        raise PeerError("snmpget (Debian package snmp) is not installed")
    r = subprocess.run(
        [tool, "-v2c", "-c", community, "-t", str(timeout), "-r", "0", "-On", f"127.0.0.1:{port}", oid],
        capture_output=True,
        env={**os.environ, "MIBS": ""},
        check=False,
    )
    return r.returncode == 0


@dataclass
class Snmpsim:
    port: int
    data_dir: Path
    proc: subprocess.Popen


@contextlib.contextmanager
def snmpsim(data_dir: Path, work: Path, probe_community: str, ready_timeout: float = 30.0) -> Iterator[Snmpsim]:
    """snmpsim serving every ``*.snmprec`` in ``data_dir`` (community = file name) on a free UDP port."""
    port = free_port(socket.SOCK_DGRAM)
    if snmp_answers(port, probe_community, timeout=0.2):
        raise PeerError(f"UDP port {port} already answers SNMP: an old instance is still bound")
    log = work / "snmpsim.log"
    cmd = [
        str(BIN / "snmpsim-command-responder"),
        f"--data-dir={data_dir}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        f"--cache-dir={work / 'snmpsim-cache'}",
        "--logging-method=null",
    ]
    proc = _start(cmd, log, {"SNMPSIM_ALLOW_ROOT": "true"})
    try:
        deadline = time.monotonic() + ready_timeout
        while not snmp_answers(port, probe_community):
            if proc.poll() is not None:
                raise PeerError(f"snmpsim exited with {proc.returncode}: {_tail(log)}")
            if time.monotonic() > deadline:
                raise PeerError(f"snmpsim did not answer on udp 127.0.0.1:{port} in {ready_timeout}s: {_tail(log)}")
            time.sleep(0.2)
        yield Snmpsim(port, data_dir, proc)
    finally:
        stop(proc)


@contextlib.contextmanager
def snmpd(work: Path, extra_conf: str = "", community: str = "ccis-test") -> Iterator[int]:
    """Debian's snmpd on a free UDP port with a read-only v2c community and ``extra_conf``; yields the port."""
    exe = shutil.which("snmpd") or "/usr/sbin/snmpd"
    if not Path(exe).exists():
        raise PeerError("snmpd (Debian package snmpd) is not installed")
    port = free_port(socket.SOCK_DGRAM)
    state = work / "snmpd-state"
    state.mkdir(exist_ok=True)
    conf = work / "snmpd.conf"
    conf.write_text(f"agentAddress udp:127.0.0.1:{port}\nrocommunity {community} 127.0.0.1\n{extra_conf}\n")
    log = work / "snmpd.log"
    proc = _start(
        [exe, "-f", "-C", "-c", str(conf), "-Lf", str(log)], work / "snmpd.out",
        {"SNMP_PERSISTENT_DIR": str(state), "MIBS": ""},
    )
    try:
        deadline = time.monotonic() + 20
        while not snmp_answers(port, community):
            if proc.poll() is not None:
                raise PeerError(f"snmpd exited with {proc.returncode}: {_tail(log)} {_tail(work / 'snmpd.out')}")
            if time.monotonic() > deadline:
                raise PeerError(f"snmpd did not answer on udp 127.0.0.1:{port}: {_tail(log)}")
            time.sleep(0.2)
        yield port
    finally:
        stop(proc)
