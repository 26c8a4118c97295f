"""Run a real `ccis serve` process on a free loopback port, and scripted site reporters beside it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.noc_api.reporter import batch, device_report, heartbeat

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def ccis_serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """Start `ccis serve` with ``env`` (CCIS_*), wait for /healthz, yield its URL; always stop it."""
    port = free_port()
    full = {**os.environ, **env, "CCIS_HOST": "127.0.0.1", "CCIS_PORT": str(port)}
    ccis = Path(sys.executable).with_name("ccis")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(ccis), "serve"], env=full, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ccis serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ccis serve did not answer /healthz in 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Reporter(threading.Thread):
    """Sends a site's heartbeat and device reports every ``period`` seconds until stopped (bounded)."""

    def __init__(self, url: str, token: str, site: str, devices: list[str], period: float = 0.5) -> None:
        super().__init__(daemon=True, name=f"reporter-{site}")
        self.url, self.token, self.site, self.devices, self.period = url, token, site, devices, period
        self.readings: dict[str, Callable[[], tuple[str, list[dict]]]] = {}  # device -> (status, readings)
        self.stopped = threading.Event()
        self.errors: list[str] = []
        self.sent = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10) as c:
            for _ in range(int(600 / self.period)):  # bounded: ten minutes at most
                if self.stopped.is_set():
                    return
                reports = [heartbeat(self.site, outbox_depth=0)]
                for d in self.devices:
                    status, readings = self.readings[d]() if d in self.readings else ("up", [])
                    reports.append(device_report(self.site, d, status, readings))
                try:
                    r = c.post("/api/v1/ingest", json=batch(self.site, reports))
                    if r.status_code != 200:
                        self.errors.append(r.text)
                    self.sent += 1
                except httpx.HTTPError as exc:
                    self.errors.append(repr(exc))
                self.stopped.wait(self.period)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=15)
