"""One device's collection with its error boundary: whatever happens, a `CollectResult` comes back.

`Collectors` holds what is shared across devices (one SnmpEngine, one HTTP client, a concurrency limit, the
per-device state for rates) and dispatches on the device's method. Heavy modules load on first use only:
pysnmp when an SNMP device exists; netmiko only ever in a CLI worker process (collectors.cli).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

from collectors.errors import CollectorError, ParseError, Timeout
from collectors.profile import PROFILE_DIR, load_profile
from collectors.readings import CollectResult, DeviceStatus, Reading
from collectors.snmp_eval import Evaluation
from collectors.spec import CredentialRef, DeviceSpec, Method

if TYPE_CHECKING:  # these load on demand (see below), so only the type checker imports them here
    import httpx

    from collectors.local import LocalChecks
    from collectors.snmp import SnmpCollector


class Collectors:
    """Collects any device by its method; safe to share across concurrent tasks."""

    def __init__(
        self,
        credentials: Mapping[str, CredentialRef] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        concurrency: int = 32,
        profile_dir: Path = PROFILE_DIR,
        host_source: ModuleType | SimpleNamespace | None = None,
    ) -> None:
        self.credentials = dict(credentials or {})
        self.env = os.environ if env is None else env
        self.profile_dir = profile_dir
        self.host_source = host_source
        self.errors: dict[str, int] = {}  # collector (method) -> errors since start
        self._limit = asyncio.Semaphore(concurrency)
        self._state: dict[str, Any] = {}
        self._snmp: SnmpCollector | None = None
        self._http: httpx.AsyncClient | None = None
        self._local: LocalChecks | None = None  # made when a device asks for hygiene or recording stores

    def _snmp_collector(self) -> SnmpCollector:
        if self._snmp is None:
            from collectors.snmp import SnmpCollector  # aiosnmp (v2c) and pysnmp (v3, ~13 MB) load on demand

            self._snmp = SnmpCollector(self.env)
        return self._snmp

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            self._http = httpx.AsyncClient(follow_redirects=False)
        return self._http

    async def _dispatch(self, spec: DeviceSpec) -> Evaluation:
        c = spec.collect
        cred = self.credentials.get(c.credential or "")
        if c.method is Method.PSUTIL:
            from collectors.host import collect_host

            kwargs = {"source": self.host_source} if self.host_source is not None else {}
            return await asyncio.to_thread(collect_host, c.processes, time.time(), **kwargs)
        if c.method is Method.SNMP:
            from collectors.snmp import DeviceSnmpState

            state = self._state.setdefault(spec.id, DeviceSnmpState())
            try:
                profile = load_profile(c.profile or "", self.profile_dir)
            except ValueError as exc:
                raise ParseError(str(exc)) from exc
            return await self._snmp_collector().collect(spec, cred, profile, state, time.monotonic())
        if c.method is Method.NUT:
            from collectors.nut import evaluate_nut, read_vars

            user = self.env.get(cred.username_env or "") if cred else None
            password = self.env.get(cred.password_env or "") if cred else None
            values = await read_vars(spec.address, c.port or 3493, c.ups or spec.id, c.timeout, user, password)
            return evaluate_nut(values)
        if c.method is Method.TCP:
            from collectors.probes import tcp_probe

            return await tcp_probe(spec.address, c.port or 80, c.timeout)
        if c.method is Method.HTTP:
            from collectors.probes import http_probe

            return await http_probe(self._http_client(), c.url or f"http://{spec.address}/", c.timeout)
        if c.method is Method.CLI:
            from collectors.cli import CliRates, collect_cli

            rates = self._state.setdefault(spec.id, CliRates())
            return rates.add(await collect_cli(spec, cred, self.env), time.monotonic())
        raise ParseError(f"method {c.method} has no collector")

    async def collect(self, spec: DeviceSpec) -> CollectResult:
        """Collect one device; never raises for device trouble (it becomes an `unreachable` result)."""
        started = time.perf_counter()
        at = datetime.now(UTC)
        method = spec.collect.method.value
        # the adapters bound their own I/O; this outer bound catches anything that still hangs (a CLI poll also
        # starts a worker process)
        bound = spec.collect.timeout * 2 + 1
        if spec.collect.method is Method.CLI:
            from collectors.cli import WORKER_START_SECONDS

            bound += WORKER_START_SECONDS + 1
        async with self._limit:
            try:
                async with asyncio.timeout(bound):
                    ev = await self._dispatch(spec)
            except TimeoutError:
                ev = None
                err: CollectorError = Timeout(f"{spec.id}: no result in {bound:.0f}s")
            except CollectorError as exc:
                ev, err = None, exc
        duration = time.perf_counter() - started
        timing = Reading(metric="collector_duration_seconds", value=duration, unit="seconds")
        local = self._local_readings(spec)
        if ev is None:
            self.errors[method] = self.errors.get(method, 0) + 1
            text = f"{type(err).__name__}: {err}"[:500]
            status = DeviceStatus.UNKNOWN if isinstance(err, ParseError) else DeviceStatus.UNREACHABLE
            return CollectResult(
                device_id=spec.id,
                status=status,
                error=text,
                collected_at=at,
                duration_ms=duration * 1000,
                readings=[
                    Reading(metric="collector_up", value=0.0, labels={"collector": method}, text=text[:200]),
                    timing,
                    *local,
                ],
            )
        return CollectResult(
            device_id=spec.id,
            status=ev.status,
            error=ev.reason[:500] if ev.reason else None,
            collected_at=at,
            duration_ms=duration * 1000,
            readings=[
                Reading(metric="collector_up", value=1.0, labels={"collector": method}),
                timing,
                *ev.readings,
                *local,
            ],
        )

    def _local_readings(self, spec: DeviceSpec) -> list[Reading]:
        """Hygiene and recording-store readings of the agent's own host, when the spec asks for them."""
        if not (spec.collect.hygiene or spec.collect.stores) or spec.collect.method is not Method.PSUTIL:
            return []
        if self._local is None:
            from collectors.local import LocalChecks

            self._local = LocalChecks(self.env)
        return self._local.readings(spec)

    async def aclose(self) -> None:
        """Close shared clients and the SNMP engine."""
        if self._http is not None:
            await self._http.aclose()
        if self._snmp is not None:
            self._snmp.close()
        if self._local is not None:
            await self._local.aclose()
