"""What tests and benchmarks share: free loopback ports, bounded waits, and a real `ccis serve` process.

Everything here waits on a condition with a generous deadline (never a fixed sleep), so it holds on a busy
machine; every process it starts is stopped in ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
CCIS = str(Path(sys.executable).with_name("ccis"))  # the console script of this checkout's venv
T = TypeVar("T")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], T], timeout: float = 60.0, interval: float = 0.1) -> T:
    """Poll ``check`` until it returns something true and return it; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T = check()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")
        time.sleep(interval)
        last = check()
    return last


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process we started (in its own process group when it has one), escalating to SIGKILL."""
    if proc.poll() is not None:
        return
    group = os.getpgid(proc.pid) == proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM) if group else proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL) if group else proc.kill()
        proc.wait(grace)


@contextmanager
def ccis_serve(
    env: dict[str, str], log: Path | None = None, timeout: float = 90.0, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """Start `ccis serve` with ``env`` (CCIS_*) on a free port, wait for /healthz, yield its URL; always stop it.

    The log goes to a file (an unread pipe fills up and stalls the server); it is quoted when the server fails.
    """
    port = free_port()
    full = {"CCIS_ENV": "test", **os.environ, **env, "CCIS_HOST": "127.0.0.1", "CCIS_PORT": str(port)}
    if log is None:
        log = Path(tempfile.mkstemp(prefix="ccis-serve-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen([CCIS, "serve", *args], env=full, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"ccis serve exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            return httpx.get(url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        try:
            wait_for("ccis serve to answer /healthz", answers, timeout=timeout, interval=0.2)
        except AssertionError as exc:
            raise RuntimeError(f"{exc}: {log.read_text(errors='replace')[-2000:]}") from None
        yield url
    finally:
        stop(proc, grace=15)
