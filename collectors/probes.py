"""Reachability probes: TCP connect (there is no ICMP here) with round-trip time and loss, and HTTP checks.

A probe that never gets through raises `Unreachable`/`Timeout`; partial loss is a reading and `degraded`.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from collectors.errors import Timeout, Unreachable, os_reason
from collectors.readings import DeviceStatus, Reading
from collectors.snmp_eval import Evaluation

ATTEMPTS = 3


async def _connect_once(host: str, port: int, timeout: float) -> float:
    start = time.perf_counter()
    async with asyncio.timeout(timeout):
        _, writer = await asyncio.open_connection(host, port)
    rtt = time.perf_counter() - start
    writer.close()
    return rtt


async def tcp_probe(host: str, port: int, timeout: float, attempts: int = ATTEMPTS) -> Evaluation:
    """Connect ``attempts`` times; RTT is the mean of the successes, loss the share of failures."""
    rtts: list[float] = []
    last: Exception | None = None
    for _ in range(attempts):
        try:
            rtts.append(await _connect_once(host, port, timeout / attempts))
        except (OSError, TimeoutError) as exc:
            last = exc
    loss = 1.0 - len(rtts) / attempts
    if not rtts:
        what = f"tcp {host}:{port}"
        if isinstance(last, TimeoutError):
            raise Timeout(f"{what}: no answer in {timeout / attempts:.1f}s ({attempts} attempts)") from last
        assert last is not None  # attempts >= 1 and every one failed
        raise Unreachable(f"{what}: {os_reason(last)}") from last
    out = [
        Reading(metric="reachable", value=1.0),
        Reading(metric="probe_rtt_seconds", value=sum(rtts) / len(rtts), unit="seconds"),
        Reading(metric="probe_loss_ratio", value=loss, unit="ratio"),
    ]
    if loss:
        return Evaluation(out, DeviceStatus.DEGRADED, f"{loss:.0%} of tcp connects to {host}:{port} failed")
    return Evaluation(out, DeviceStatus.UP, None)


async def http_probe(client: httpx.AsyncClient, url: str, timeout: float) -> Evaluation:
    """GET ``url``: 2xx/3xx up, 4xx degraded, 5xx down; no answer raises."""
    start = time.perf_counter()
    try:
        resp = await client.get(url, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise Timeout(f"http {url}: no answer in {timeout}s") from exc
    except httpx.HTTPError as exc:
        raise Unreachable(f"http {url}: {exc}") from exc
    rtt = time.perf_counter() - start
    out = [
        Reading(metric="reachable", value=1.0),
        Reading(metric="probe_rtt_seconds", value=rtt, unit="seconds"),
        Reading(metric="http_status_code", value=float(resp.status_code)),
    ]
    code = resp.status_code
    if code >= 500:
        return Evaluation(out, DeviceStatus.DOWN, f"http {url} answered {code}")
    if code >= 400:
        return Evaluation(out, DeviceStatus.DEGRADED, f"http {url} answered {code}")
    return Evaluation(out, DeviceStatus.UP, None)
