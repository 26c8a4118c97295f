"""Delivers the outbox to the NOC: batches of at most 500, exponential backoff with jitter (tenacity).

The batch is assembled from the stored JSON bodies without re-parsing them. Each report's fate follows the
NOC's per-report answer: ``accepted``/``duplicate`` leave the outbox, ``rejected`` are moved aside, anything
unanswered stays for the next attempt. A batch the NOC refuses as a whole with 422 is resent one report at a
time, so one bad report cannot block the others forever. A NOC that fails (500) on a batch is sent one report
at a time until a batch goes through, and a report it has failed on alone ``max_server_errors`` times is moved
aside too (counted on the agent's /metrics), so a report the NOC cannot digest never wedges the site's outbox.

Back-off depends on why a send failed. A NOC that answers with an error (500, 503, 429: overloaded) gets the
full exponential back-off, up to ``max_backoff``. A NOC that cannot be reached (refused, timed out, or a proxy's
502/504: link or server down) costs nothing to probe, so the back-off stops at ``probe_backoff`` and a new
report waiting cuts the pause to ``probe_seconds``; each probe carries a single report, so a long outage does
not rebuild big batches every few seconds. Once the link returns the agent sends within seconds, not after a
minute-long back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_never, wait_exponential_jitter

from agents.outbox import Outbox
from agents.wire import MAX_REPORTS_PER_BATCH, WIRE_VERSION, IngestResponse, ResultStatus


class SendFailed(Exception):
    """The NOC could not be reached or did not answer usably; retried with backoff."""

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered  # the NOC answered (with an error): back off fully, it may be overloaded


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
        probe_backoff: float = 4.0,
        probe_seconds: float = 1.0,
        first_backoff: float = 0.5,
        max_server_errors: int = 5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.url, self.site, self.outbox = client, noc.rstrip("/") + "/api/v1/ingest", site, outbox
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.batch_size = min(batch_size, MAX_REPORTS_PER_BATCH)
        self.max_backoff = max_backoff
        self.probe_seconds = min(probe_seconds, probe_backoff)
        self._waits = {
            True: wait_exponential_jitter(multiplier=first_backoff, max=max_backoff, jitter=1.0),
            False: wait_exponential_jitter(
                multiplier=first_backoff, max=probe_backoff, jitter=min(1.0, probe_backoff / 4)
            ),
        }
        self.clock = clock
        self.last_ok_at: datetime | None = None
        self.clock_skew: float = 0.0
        self.failures = 0
        self.attempts = 0  # POSTs tried, answered or not
        self.retry_in = 0.0  # the pause planned before the next attempt (0 when not failing)
        self.unreachable = False  # the last attempt did not reach the NOC: the next one is a one-report probe
        # A NOC that fails (500) on a batch may be failing on one report of it: send one at a time until a batch
        # goes through, and move a report aside once the NOC has failed on it alone max_server_errors times.
        self.max_server_errors = max_server_errors
        self.isolating = False
        self.server_errors: dict[str, int] = {}
        self.poisoned = 0  # reports moved aside after repeated server errors
        self.wake = asyncio.Event()

    def _body(self, bodies: list[str]) -> bytes:
        head = json.dumps({"version": WIRE_VERSION, "site_id": self.site, "agent_clock": self.clock().isoformat()})
        return (head[:-1] + ', "reports": [' + ",".join(bodies) + "]}").encode()

    async def _post(self, batch: list[tuple[str, str]]) -> None:
        self.attempts += 1
        try:
            resp = await self.client.post(self.url, content=self._body([b for _, b in batch]), headers=self.headers)
        except httpx.HTTPError as exc:
            self.unreachable = True
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        self.unreachable = False
        if resp.status_code == 422 and len(batch) > 1:
            for one in batch:  # find the report the NOC cannot read, deliver the rest
                await self._post([one])
            return
        if resp.status_code == 422:
            await asyncio.to_thread(self.outbox.reject, {batch[0][0]: f"422: {resp.text[:200]}"})
            return
        if resp.status_code in (502, 504):  # a proxy in front of a NOC it cannot reach: probe as if unreachable
            self.unreachable = True
            raise SendFailed(f"NOC unreachable behind a proxy ({resp.status_code})")
        if resp.status_code >= 500 and resp.status_code != 503:
            await self._server_error(batch, resp)
            return
        if resp.status_code != 200:
            raise SendFailed(f"NOC answered {resp.status_code}: {resp.text[:200]}", answered=True)
        try:
            answer = IngestResponse.model_validate_json(resp.content)
        except ValueError as exc:
            raise SendFailed(f"NOC answer unreadable: {exc}", answered=True) from exc
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
        self.isolating = False
        for rid in sent:
            self.server_errors.pop(rid, None)
        self.clock_skew = answer.clock_skew_seconds
        self.last_ok_at = self.clock()

    async def _server_error(self, batch: list[tuple[str, str]], resp: httpx.Response) -> None:
        """A 500 (not 503: overloaded): count it per report; after enough, move a lone report aside."""
        for rid, _ in batch:
            self.server_errors[rid] = self.server_errors.get(rid, 0) + 1
        if len(batch) == 1 and self.server_errors[batch[0][0]] >= self.max_server_errors:
            rid = batch[0][0]
            reason = f"the NOC failed on this report {self.server_errors.pop(rid)} times ({resp.status_code})"
            await asyncio.to_thread(self.outbox.reject, {rid: reason})
            self.poisoned += 1
            return  # moved aside: the reports behind it go on
        self.isolating = True
        raise SendFailed(f"NOC answered {resp.status_code}: {resp.text[:200]}", answered=True)

    async def send_once(self) -> int:
        """Send one batch if any is waiting; returns how many reports it carried. Raises SendFailed."""
        # after an unreachable NOC, probe with one report: a refused or timed-out probe costs next to nothing
        probe = self.unreachable or self.isolating
        batch = await asyncio.to_thread(self.outbox.peek, 1 if probe else self.batch_size)
        if batch:
            await self._post(batch)
        # a probe that got through says nothing of what is left: count it as a full batch so draining goes on
        return self.batch_size if probe and batch else len(batch)

    async def drain(self) -> None:
        """Send until the outbox is empty, retrying failures with backoff (see the module docstring)."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(SendFailed),
            wait=self._wait,
            sleep=self._pause,
            stop=stop_never,
            before_sleep=self._count_failure,
        ):
            with attempt:
                while True:
                    before = self.outbox.depth
                    if await self.send_once() < self.batch_size or self.outbox.depth >= before:
                        break  # a short batch means the outbox is empty; no progress means try later
        self.failures = 0
        self.retry_in = 0.0

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self._waits[bool(getattr(exc, "answered", False))](state)

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds`` before the next attempt; a new report cuts it short when the NOC was unreachable."""
        self.retry_in = seconds
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        if not self.unreachable:
            await asyncio.sleep(seconds)  # an answering NOC asked us, in effect, to back off: no probing
            return
        self.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)
        await asyncio.sleep(max(0.0, min(deadline - loop.time(), self.probe_seconds)))

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
