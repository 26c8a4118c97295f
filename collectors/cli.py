"""Switches and routers without SNMP, over SSH with netmiko; output parsed by ntc-templates (TextFSM).

Each poll runs in a short-lived worker process (`collectors.cli_worker`): netmiko and its SSH stack never load
into the agent, whose memory budget they would break. Parsing is a pure function of the recorded text
(`collectors.cli_parse.evaluate_cli`), tested without a device. Error counters come back as totals; `CliRates`
turns them into rates in the agent, which outlives the workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Mapping
from typing import Any

from collectors import errors
from collectors.errors import AuthFailed, CollectorError, ParseError, Timeout
from collectors.rates import COUNTER32_MAX, Sample, counter_rate
from collectors.readings import DeviceStatus, Reading
from collectors.snmp_eval import Evaluation
from collectors.spec import CredentialRef, DeviceSpec

WORKER_START_SECONDS = 10.0  # allowance for the worker's interpreter start and imports, on a busy host


def _answer(raw: bytes, where: str) -> Evaluation:
    """The worker's JSON answer as an `Evaluation`, or its error re-raised as the same `CollectorError` class."""
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise ParseError(f"{where}: the CLI worker gave no answer") from exc
    if "error" in answer:
        cls = getattr(errors, str(answer["error"]), CollectorError)
        cls = cls if isinstance(cls, type) and issubclass(cls, CollectorError) else CollectorError
        raise cls(str(answer.get("message", "")))
    ev = answer["evaluation"]
    readings = [Reading.model_validate(r) for r in ev["readings"]]
    return Evaluation(readings, DeviceStatus(ev["status"]), ev.get("reason"))


async def run_worker(request: dict[str, Any], timeout: float) -> Evaluation:
    """Run one poll in `collectors.cli_worker` (its own process), killed if it outlives ``timeout``."""
    where = f"ssh {request['params']['host']}:{request['params']['port']}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "collectors.cli_worker",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(timeout):
            out, err = await proc.communicate(json.dumps(request).encode())
    except TimeoutError as exc:
        raise Timeout(f"{where}: no answer from the CLI worker in {timeout:.0f}s") from exc
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    if not out and proc.returncode:
        raise CollectorError(f"{where}: CLI worker exited {proc.returncode}: {err.decode(errors='replace')[-300:]}")
    return _answer(out, where)


class CliRates:
    """Error rates from the totals of successive polls (the agent keeps one per device)."""

    def __init__(self) -> None:
        self.samples: dict[str, Sample] = {}

    def add(self, ev: Evaluation, now: float) -> Evaluation:
        """``ev`` with if_errors_per_second (in+out) for every port whose two totals were seen last time too."""
        totals: dict[str, dict[str, float]] = {}
        for r in ev.readings:
            if r.metric in ("if_in_errors_total", "if_out_errors_total"):
                totals.setdefault(r.labels.get("interface", ""), {})[r.metric] = r.value
        extra: list[Reading] = []
        for port, pair in totals.items():
            rates = []
            for metric, value in pair.items():
                key = f"{port}|{metric}"
                rates.append(counter_rate(self.samples.get(key), Sample(int(value), now), COUNTER32_MAX))
                self.samples[key] = Sample(int(value), now)
            if rates and all(r is not None for r in rates):
                total = sum(r for r in rates if r is not None)
                labels = {"interface": port}
                extra.append(Reading(metric="if_errors_per_second", value=total, unit="1/s", labels=labels))
        return Evaluation([*ev.readings, *extra], ev.status, ev.reason)


async def collect_cli(spec: DeviceSpec, cred: CredentialRef | None, env: Mapping[str, str]) -> Evaluation:
    """Log in over SSH, run the status commands, parse them: all in a worker process (see `run_worker`)."""
    if cred is None:
        raise AuthFailed(f"{spec.id}: no CLI credential configured")
    username, password = env.get(cred.username_env or ""), env.get(cred.password_env or "")
    if not username or not password:
        raise AuthFailed(f"{spec.id}: {cred.username_env}/{cred.password_env} are not set in the environment")
    platform = spec.collect.profile or "cisco_ios"
    params = {
        "device_type": platform,
        "host": spec.address,
        "port": spec.collect.port or 22,
        "username": username,
        "password": password,
        "secret": password,  # enable secret: the same reference (CredentialRef has no separate one)
        "timeout": spec.collect.timeout,
        "conn_timeout": spec.collect.timeout,
        "auth_timeout": spec.collect.timeout,
        "banner_timeout": spec.collect.timeout,
        "fast_cli": True,
    }
    request = {"platform": platform, "params": params, "uplinks": list(spec.collect.uplinks)}
    return await run_worker(request, spec.collect.timeout * 2 + WORKER_START_SECONDS)
