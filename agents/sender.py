"""Delivers the outbox to the NOC: batches of at most 500, exponential backoff with jitter (tenacity).

The batch is assembled from the stored JSON bodies without re-parsing them. Each report's fate follows the
NOC's per-report answer: ``accepted``/``duplicate`` leave the outbox, ``rejected`` are moved aside, anything
unanswered stays for the next attempt. A batch the NOC refuses as a whole with 422 is resent one report at a
time, so one bad report cannot block the others forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_never, wait_exponential_jitter

from agents.outbox import Outbox
from agents.wire import MAX_REPORTS_PER_BATCH, WIRE_VERSION, IngestResponse, ResultStatus


class SendFailed(Exception):
    """The NOC could not be reached or did not answer usably; retried with backoff."""


class Sender:
    """Sends ``outbox`` to ``noc`` for ``site`` with a bearer token."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        noc: str,
        site: str,
        token: str,
        outbox: Outbox,
        *,
        batch_size: int = MAX_REPORTS_PER_BATCH,
        max_backoff: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.url, self.site, self.outbox = client, noc.rstrip("/") + "/api/v1/ingest", site, outbox
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.batch_size = min(batch_size, MAX_REPORTS_PER_BATCH)
        self.max_backoff = max_backoff
        self.clock = clock
        self.last_ok_at: datetime | None = None
        self.clock_skew: float = 0.0
        self.failures = 0
        self.wake = asyncio.Event()

    def _body(self, bodies: list[str]) -> bytes:
        head = json.dumps({"version": WIRE_VERSION, "site_id": self.site, "agent_clock": self.clock().isoformat()})
        return (head[:-1] + ', "reports": [' + ",".join(bodies) + "]}").encode()

    async def _post(self, batch: list[tuple[str, str]]) -> None:
        try:
            resp = await self.client.post(self.url, content=self._body([b for _, b in batch]), headers=self.headers)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code == 422 and len(batch) > 1:
            for one in batch:  # find the report the NOC cannot read, deliver the rest
                await self._post([one])
            return
        if resp.status_code == 422:
            await asyncio.to_thread(self.outbox.reject, {batch[0][0]: f"422: {resp.text[:200]}"})
            return
        if resp.status_code != 200:
            raise SendFailed(f"NOC answered {resp.status_code}: {resp.text[:200]}")
        try:
            answer = IngestResponse.model_validate_json(resp.content)
        except ValueError as exc:
            raise SendFailed(f"NOC answer unreadable: {exc}") from exc
        sent = {rid for rid, _ in batch}
        acked = [
            r.report_id
            for r in answer.results
            if r.report_id in sent and r.status in (ResultStatus.ACCEPTED, ResultStatus.DUPLICATE)
        ]
        rejected = {
            r.report_id: r.reason or "rejected"
            for r in answer.results
            if r.report_id in sent and r.status is ResultStatus.REJECTED
        }
        await asyncio.to_thread(self.outbox.ack, acked)  # fsync: off the event loop
        await asyncio.to_thread(self.outbox.reject, rejected)
        self.clock_skew = answer.clock_skew_seconds
        self.last_ok_at = self.clock()

    async def send_once(self) -> int:
        """Send one batch if any is waiting; returns how many reports it carried. Raises SendFailed."""
        batch = await asyncio.to_thread(self.outbox.peek, self.batch_size)
        if batch:
            await self._post(batch)
        return len(batch)

    async def drain(self) -> None:
        """Send until the outbox is empty, retrying failures with exponential backoff and jitter."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(SendFailed),
            wait=wait_exponential_jitter(initial=0.5, max=self.max_backoff, jitter=1.0),
            stop=stop_never,
            before_sleep=self._count_failure,
        ):
            with attempt:
                while True:
                    before = self.outbox.depth
                    if await self.send_once() < self.batch_size or self.outbox.depth >= before:
                        break  # a short batch means the outbox is empty; no progress means try later
        self.failures = 0

    def _count_failure(self, _state: object) -> None:
        self.failures += 1

    async def run(self, idle_wait: float = 5.0, linger: float = 1.0) -> None:
        """Forever: drain the outbox, then wait for new reports (or ``idle_wait`` seconds).

        After a wake-up it lingers a moment so reports finished close together travel in one request: one POST
        per report would cost the agent more CPU than collecting them.
        """
        while True:
            await self.drain()
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), idle_wait)
            if self.outbox.depth < self.batch_size:
                await asyncio.sleep(linger)
