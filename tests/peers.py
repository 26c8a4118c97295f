"""Real peers on loopback for tests and benchmarks: snmpsim, Debian snmpd, NUT upsd + dummy-ups, fake-switches.

Each launcher starts the process, waits until it really answers, and stops it in ``finally`` (a fixture uses
the context manager). A peer that cannot start raises `PeerError` saying why: tests fail, never skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class PeerError(RuntimeError):
    """A peer process could not be started or never became ready."""


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
    work.mkdir(parents=True, exist_ok=True)
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
        [exe, "-f", "-C", "-c", str(conf), "-Lf", str(log)],
        work / "snmpd.out",
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


def _tcp_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def fake_switch(
    work: Path, username: str, password: str, down_file: Path | None = None, errors_file: Path | None = None
) -> Iterator[int]:
    """fake-switches (Cisco 2960, 24 Fa + 2 Gi ports) over SSH on a free port; yields the port."""
    port = free_port()
    cmd = [sys.executable, str(ROOT / "tests" / "fake_switch.py"), "--port", str(port)]
    cmd += ["--username", username, "--password", password]
    if down_file:
        cmd += ["--down-file", str(down_file)]
    if errors_file:
        cmd += ["--errors-file", str(errors_file)]
    log = work / "fake-switch.log"
    proc = _start(cmd, log)
    try:
        deadline = time.monotonic() + 30
        while not _tcp_open(port):
            if proc.poll() is not None:
                raise PeerError(f"fake-switches exited with {proc.returncode}: {_tail(log)}")
            if time.monotonic() > deadline:
                raise PeerError(f"fake-switches did not listen on 127.0.0.1:{port}: {_tail(log)}")
            time.sleep(0.2)
        yield port
    finally:
        stop(proc)


DUMMY_UPS_ON_LINE = "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 2700\nups.load: 35\ninput.voltage: 229.0\n"
DUMMY_UPS_ON_BATTERY_LOW = (
    "ups.status: OB LB\nbattery.charge: 9\nbattery.runtime: 240\nups.load: 38\ninput.voltage: 0\n"
)


@dataclass
class Nut:
    port: int
    ups: str
    dev_file: Path

    def set_state(self, text: str) -> None:
        """Rewrite the dummy-ups .dev file; the driver picks the change up within about 1.5 s."""
        self.dev_file.write_text(text)


def nut_status(port: int, ups: str) -> str | None:
    """ups.status from upsd, or None if it does not answer (a tiny synchronous client for readiness)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"GET VAR {ups} ups.status\n".encode())
            line = s.makefile().readline().strip()
    except OSError:
        return None
    return line.split('"')[1] if line.startswith("VAR ") else None


@contextlib.contextmanager
def nut(work: Path, ups: str = "testups", initial: str = DUMMY_UPS_ON_LINE) -> Iterator[Nut]:
    """NUT dummy-ups driver + upsd on a free TCP port; yields once upsd reports a real status (not WAIT)."""
    for exe in ("/lib/nut/dummy-ups", "/lib/nut/upsd"):
        if not Path(exe).exists():
            raise PeerError(f"{exe} is missing (Debian packages nut-server, nut-client)")
    conf, state = work / "nut", work / "nut-state"
    conf.mkdir(exist_ok=True)
    state.mkdir(mode=0o700, exist_ok=True)
    dev = work / f"{ups}.dev"
    dev.write_text(initial)
    port = free_port()
    (conf / "ups.conf").write_text(f"[{ups}]\n  driver = dummy-ups\n  port = {dev}\n  pollinterval = 1\n")
    (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    (conf / "upsd.users").write_text("")
    for f in conf.iterdir():
        f.chmod(0o640)
    env = {"NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(state), "NUT_ALTPIDPATH": str(state)}
    driver = _start(["/lib/nut/dummy-ups", "-a", ups, "-u", "root", "-F"], work / "dummy-ups.log", env)
    server = None
    try:
        time.sleep(0.3)
        server = _start(["/lib/nut/upsd", "-u", "root", "-F"], work / "upsd.log", env)
        deadline = time.monotonic() + 30
        while (status := nut_status(port, ups)) in (None, "WAIT"):
            for name, proc in (("dummy-ups", driver), ("upsd", server)):
                if proc.poll() is not None:
                    raise PeerError(f"{name} exited with {proc.returncode}: {_tail(work / f'{name}.log')}")
            if time.monotonic() > deadline:
                raise PeerError(f"upsd never gave a real ups.status (last {status}): {_tail(work / 'upsd.log')}")
            time.sleep(0.3)
        yield Nut(port, ups, dev)
    finally:
        if server is not None:
            stop(server)
        stop(driver)
