"""Run a real `ccis serve` on a free loopback port (for the browser test and the benches)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def ccis_serve(env: dict[str, str], timeout: float = 30.0) -> Iterator[str]:
    """Start `ccis serve`, wait for /healthz, yield the base URL; always stop it."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "ccis.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    # The log goes to a file: an unread pipe fills up and stalls the server.
    log = tempfile.NamedTemporaryFile(prefix="ccis-serve-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                out = Path(log.name).read_text(errors="replace")
                raise RuntimeError(f"ccis serve exited with {proc.returncode}: {out[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ccis serve did not answer /healthz within {timeout} s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)
