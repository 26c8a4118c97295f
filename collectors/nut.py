"""UPSes on USB through Network UPS Tools: an asyncio client of upsd's TCP protocol (port 3493).

One ``LIST VAR <ups>`` per cycle; ``ups.status`` flags OL (on line), OB (on battery), LB (low battery), OFF.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Mapping

from collectors.errors import AuthFailed, ParseError, Timeout, Unreachable, os_reason
from collectors.readings import DeviceStatus, Reading
from collectors.snmp_eval import Evaluation

_ERRORS = {
    "ACCESS-DENIED": AuthFailed,
    "USERNAME-REQUIRED": AuthFailed,
    "PASSWORD-REQUIRED": AuthFailed,
    "INVALID-PASSWORD": AuthFailed,
    "DATA-STALE": Unreachable,  # upsd runs but its driver lost the UPS
    "DRIVER-NOT-CONNECTED": Unreachable,
}


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: str) -> str:
    writer.write(line.encode() + b"\n")
    await writer.drain()
    return (await reader.readline()).decode("utf-8", "replace").strip()


def _raise_for(answer: str, what: str) -> None:
    if answer.startswith("ERR "):
        code = answer.split()[1]
        raise _ERRORS.get(code, ParseError)(f"{what}: upsd answered {answer}")


async def read_vars(
    host: str, port: int, ups: str, timeout: float, username: str | None = None, password: str | None = None
) -> dict[str, str]:
    """All variables of ``ups`` from upsd at host:port."""
    what = f"nut {ups}@{host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                if username:
                    _raise_for(await _exchange(reader, writer, f"USERNAME {username}"), what)
                    _raise_for(await _exchange(reader, writer, f"PASSWORD {password or ''}"), what)
                first = await _exchange(reader, writer, f"LIST VAR {ups}")
                _raise_for(first, what)
                if not first.startswith("BEGIN LIST VAR"):
                    raise ParseError(f"{what}: unexpected answer {first[:80]!r}")
                out: dict[str, str] = {}
                for _ in range(1000):  # bounded: a UPS has a few dozen variables
                    line = (await reader.readline()).decode("utf-8", "replace").strip()
                    if not line or line.startswith("END LIST VAR"):
                        break
                    parts = shlex.split(line)  # VAR <ups> <name> "<value>"
                    if len(parts) == 4 and parts[0] == "VAR":
                        out[parts[2]] = parts[3]
                writer.write(b"LOGOUT\n")
                return out
            finally:
                writer.close()
    except TimeoutError as exc:
        raise Timeout(f"{what}: no answer in {timeout}s") from exc
    except OSError as exc:
        raise Unreachable(f"{what}: {os_reason(exc)}") from exc


def evaluate_nut(values: Mapping[str, str]) -> Evaluation:
    """Readings and status from upsd's variables (pure)."""
    status = values.get("ups.status", "")
    flags = set(status.split())
    if not flags or "WAIT" in flags:
        raise Unreachable(f"upsd has no data from the driver yet (ups.status {status or 'missing'})")
    out = [
        Reading(metric="ups_status_flags", value=1.0, text=status[:200]),
        Reading(metric="ups_on_battery", value=1.0 if "OB" in flags else 0.0),
        Reading(metric="ups_battery_low", value=1.0 if "LB" in flags else 0.0),
        Reading(metric="ups_output_source", value=5.0 if "OB" in flags else 4.0 if "BYPASS" in flags else 3.0),
    ]
    for var, metric, scale, unit in (
        ("battery.charge", "ups_battery_charge_ratio", 0.01, "ratio"),
        ("battery.runtime", "ups_battery_minutes_remaining", 1 / 60, "minutes"),
        ("ups.load", "ups_load_ratio", 0.01, "ratio"),
        ("input.voltage", "ups_input_voltage_volts", 1.0, "volts"),
        ("output.voltage", "ups_output_voltage_volts", 1.0, "volts"),
    ):
        if var in values:
            try:
                out.append(Reading(metric=metric, value=float(values[var]) * scale, unit=unit))
            except ValueError as exc:
                raise ParseError(f"nut {var}={values[var]!r} is not a number") from exc
    reasons = []
    dev = DeviceStatus.UP
    if "OFF" in flags:
        dev, reasons = DeviceStatus.DOWN, ["UPS output is off"]
    else:
        if "LB" in flags:
            reasons.append("battery low")
        if "OB" in flags:
            reasons.append("on battery")
        if reasons:
            dev = DeviceStatus.DEGRADED
    return Evaluation(out, dev, "; ".join(reasons) or None)
