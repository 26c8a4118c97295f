"""Run a real `ccis serve` process on a free loopback port, and scripted site reporters beside it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.noc_api.reporter import batch, device_report, heartbeat

ROOT = Path(__file__).resolve().parents[2]


class Reporter(threading.Thread):
    """Sends a site's heartbeat and device reports every ``period`` seconds until stopped (bounded)."""

    def __init__(self, url: str, token: str, site: str, devices: list[str], period: float = 0.5) -> None:
        super().__init__(daemon=True, name=f"reporter-{site}")
        self.url, self.token, self.site, self.devices, self.period = url, token, site, devices, period
        self.readings: dict[str, Callable[[], tuple[str, list[dict]]]] = {}  # device -> (status, readings)
        self.stopped = threading.Event()
        self.paused = threading.Event()  # set: silent (its link is cut), but the thread keeps running
        self.errors: list[str] = []
        self.sent = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10) as c:
            for _ in range(int(600 / self.period)):  # bounded: ten minutes at most
                if self.stopped.is_set():
                    return
                if self.paused.is_set():
                    self.stopped.wait(self.period)
                    continue
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
