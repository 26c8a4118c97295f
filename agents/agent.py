"""The site agent: schedules every device at its interval, writes each result to the outbox, heartbeats.

Each device is its own APScheduler job (interval with jitter, one instance at a time), so a slow device only
ever delays itself. Results and heartbeats go to the durable outbox first; the sender delivers them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from agents.config import ConfigUnavailable, get_config, is_local
from agents.outbox import DEFAULT_BUDGET_BYTES, Outbox
from agents.sender import Sender
from agents.wire import AgentConfig, AgentHealth, CollectResult, DeviceStatus, Report, ReportKind
from collectors.run import Collectors
from collectors.spec import DeviceSpec

log = logging.getLogger("ccis.agent")
VERSION = "0.1.0"
CONFIG_REFRESH_SECONDS = 300.0
STOP_GRACE_SECONDS = 5.0


def new_report_id() -> str:
    """A report id unique across agents and restarts, so a resend is recognised, never counted twice."""
    return uuid.uuid4().hex


class Agent:
    """One site's agent. ``run(stop)`` until ``stop`` is set."""

    def __init__(
        self,
        *,
        site: str,
        noc: str,
        token: str,
        state_dir: Path,
        client: httpx.AsyncClient,
        loopback_only: bool = False,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        env: Mapping[str, str] | None = None,
        max_backoff: float = 60.0,
    ) -> None:
        self.site, self.noc, self.token, self.client = site, noc, token, client
        self.state_dir = state_dir
        self.loopback_only = loopback_only
        self.env = env
        self.outbox = Outbox(state_dir / "outbox.db", budget_bytes)
        self.sender = Sender(client, noc, site, token, self.outbox, max_backoff=max_backoff)
        self.started_at = datetime.now(UTC)
        self.config: AgentConfig | None = None
        self.config_source = ""
        self.collectors: Collectors | None = None
        self.last_status: dict[str, DeviceStatus] = {}
        self.cycle_seconds: dict[str, float] = {}
        self.skipped: list[str] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._inflight: set[asyncio.Task | None] = set()

    async def _store(self, report: Report) -> None:
        await asyncio.to_thread(self.outbox.add, report)
        self.sender.wake.set()

    def _report(self, kind: ReportKind, **fields: object) -> Report:
        return Report(
            report_id=new_report_id(),
            site_id=self.site,
            kind=kind,
            made_at=datetime.now(UTC),
            seq=self.outbox.next_seq(),
            **fields,
        )

    async def record(self, result: CollectResult) -> None:
        """Write one device result to the outbox, flagged when its status changed."""
        changed = self.last_status.get(result.device_id) != result.status
        self.last_status[result.device_id] = result.status
        self.cycle_seconds[result.device_id] = result.duration_ms / 1000
        await self._store(self._report(ReportKind.DEVICE, state_change=changed, device=result))

    async def collect_device(self, spec: DeviceSpec) -> None:
        """One scheduled cycle of one device."""
        assert self.collectors is not None
        task = asyncio.current_task()
        self._inflight.add(task)
        try:
            await self.record(await self.collectors.collect(spec))
        finally:
            self._inflight.discard(task)

    def health(self) -> AgentHealth:
        """The agent's own health, carried by every heartbeat."""
        import psutil

        return AgentHealth(
            version=VERSION,
            started_at=self.started_at,
            outbox_depth=self.outbox.depth,
            outbox_bytes=self.outbox.bytes,
            dropped_total=self.outbox.dropped_total(),
            last_send_ok_at=self.sender.last_ok_at,
            collector_errors=dict(self.collectors.errors) if self.collectors else {},
            host_booted_at=datetime.fromtimestamp(psutil.boot_time(), UTC),
        )

    async def heartbeat(self) -> None:
        """Write a heartbeat report carrying `health()`."""
        await self._store(self._report(ReportKind.HEARTBEAT, agent=self.health()))

    async def _load_config(self, stop: asyncio.Event) -> AgentConfig | None:
        delay = 1.0
        while not stop.is_set():
            try:
                config, source = await get_config(
                    self.client, self.noc, self.site, self.token, self.state_dir / "config.json"
                )
            except ConfigUnavailable as exc:
                log.warning("%s; retrying in %.0fs", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 60.0)
                continue
            log.info("config %s from %s: %d devices", config.config_id, source, len(config.devices))
            self.config_source = source
            return config
        return None

    async def _apply(self, config: AgentConfig) -> None:
        """(Re)schedule the devices of ``config``; report the ones --loopback-only leaves out as not collected."""
        assert self._scheduler is not None
        self.config = config
        credentials = {c.id: c for c in config.credentials}
        if self.collectors is None:
            self.collectors = Collectors(credentials, env=self.env)
        else:  # keep the engine and per-device state (counter rates survive a config change)
            self.collectors.credentials = credentials
        for job in self._scheduler.get_jobs():
            if job.id.startswith("device:"):
                job.remove()
        now = datetime.now(UTC)
        self.skipped = []
        for spec in config.devices:
            if self.loopback_only and not is_local(spec):
                self.skipped.append(spec.id)
                await self.record(
                    CollectResult(
                        device_id=spec.id,
                        status=DeviceStatus.UNKNOWN,
                        error="not collected: agent runs --loopback-only and this device is not on loopback",
                        collected_at=now,
                    )
                )
                continue
            interval = spec.collect.interval
            self._scheduler.add_job(
                self.collect_device,
                IntervalTrigger(seconds=interval, jitter=min(interval * 0.1, 5.0)),
                args=[spec],
                id=f"device:{spec.id}",
                # spread the first cycles so devices do not all start in the same instant
                next_run_time=now + timedelta(seconds=random.uniform(0, min(interval, 5.0))),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(interval) + 1,
            )
        self._scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=config.heartbeat_seconds),
            id="heartbeat",
            replace_existing=True,
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )

    async def refresh_config(self) -> None:
        """Re-read the configuration; reschedule only when the NOC's config_id changed."""
        try:
            config, source = await get_config(
                self.client, self.noc, self.site, self.token, self.state_dir / "config.json"
            )
        except ConfigUnavailable as exc:
            log.warning("config refresh: %s", exc)
            return
        if source == "noc" and (self.config is None or config.config_id != self.config.config_id):
            await self._apply(config)

    async def run(self, stop: asyncio.Event) -> None:
        """Load config (NOC or cache), schedule devices and heartbeats, send, until ``stop`` is set."""
        config = await self._load_config(stop)
        if config is None:
            return
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.start()
        sender = asyncio.create_task(self.sender.run())
        try:
            await self._apply(config)
            self._scheduler.add_job(
                self.refresh_config, IntervalTrigger(seconds=CONFIG_REFRESH_SECONDS), id="config", max_instances=1
            )
            await stop.wait()
        finally:
            self._scheduler.pause()
            # let cycles in flight finish and reach the outbox (each is bounded by its device's timeout)
            running = [t for t in self._inflight if t is not None]
            if running:
                await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
            self._scheduler.shutdown(wait=False)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            if self.collectors is not None:
                await self.collectors.aclose()
            self.outbox.close()
