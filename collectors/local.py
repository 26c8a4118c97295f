"""Checks of the agent's own host that ride along with its psutil collection: hygiene and recording stores.

They are slow next to a collection cycle (``apt-get -s`` takes seconds, a recording store holds years of calls), so
each is gathered in the background at most every ``every`` seconds and every cycle reports the last facts, aged to
the cycle's time. The first cycle reports nothing for a check still running: absent, not healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from collectors.hygiene import Hygiene, hygiene_readings, read_hygiene
from collectors.readings import Reading
from collectors.recordings import StoreFacts, recording_readings, scan_store
from collectors.spec import DeviceSpec

log = logging.getLogger("ccis.collectors")
HYGIENE_EVERY = 3600.0
STORES_EVERY = 300.0
T = TypeVar("T")


class Refreshed(Generic[T]):
    """The last result of ``gather()``, refreshed in the background when older than ``every`` seconds."""

    def __init__(self, gather: Callable[[], Awaitable[T]], every: float) -> None:
        self.gather, self.every = gather, every
        self.value: T | None = None
        self._at = float("-inf")
        self._task: asyncio.Task | None = None

    def get(self) -> T | None:
        """The last value (None before the first gather finished); starts a refresh when due."""
        due = time.monotonic() - self._at >= self.every
        if due and (self._task is None or self._task.done()):
            self._at = time.monotonic()
            self._task = asyncio.get_running_loop().create_task(self._refresh())
        return self.value

    async def _refresh(self) -> None:
        try:
            self.value = await self.gather()
        except Exception:  # a failed gather keeps the last facts; the next one is tried after `every`
            log.exception("local check failed")

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class LocalChecks:
    """Per device, the hygiene and store checks its spec asks for."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self._hygiene: dict[str, Refreshed[Hygiene]] = {}
        self._stores: dict[tuple[str, str], Refreshed[list[StoreFacts]]] = {}

    def readings(self, spec: DeviceSpec) -> list[Reading]:
        """What the local checks of ``spec`` know now (empty when it asks for none)."""
        c = spec.collect
        now = time.time()
        out: list[Reading] = []
        if c.hygiene:
            env = {k: v for k, v in self.env.items() if k.startswith("CCIS_")}
            if spec.id not in self._hygiene:
                every = float(self.env.get("CCIS_HYGIENE_CHECK_SECONDS") or HYGIENE_EVERY)
                self._hygiene[spec.id] = Refreshed(lambda: read_hygiene(env), every)
            h = self._hygiene[spec.id].get()
            if h is not None:
                out += hygiene_readings(h, now)
        if c.stores:
            stores = c.stores

            async def scan() -> list[StoreFacts]:
                return [await asyncio.to_thread(scan_store, s) for s in stores]

            key = (spec.id, repr(stores))  # a changed config scans its new stores at once
            if key not in self._stores:
                every = float(self.env.get("CCIS_STORES_SCAN_SECONDS") or STORES_EVERY)
                self._stores[key] = Refreshed(scan, every)
            facts = self._stores[key].get()
            if facts is not None:
                out += recording_readings(facts, now)
        return out

    async def aclose(self) -> None:
        for h in self._hygiene.values():
            await h.aclose()
        for st in self._stores.values():
            await st.aclose()
