"""Switches and routers without SNMP, over SSH with netmiko; output parsed by ntc-templates (TextFSM).

netmiko (about 15 MB of imports) is loaded inside `collect_cli`, so an agent without CLI devices never pays
for it. Parsing is a pure function of the recorded text (`evaluate_cli`), tested without a device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from collectors.errors import AuthFailed, CollectorError, ParseError, Timeout, Unreachable
from collectors.readings import DeviceStatus, Reading
from collectors.snmp_eval import Evaluation
from collectors.spec import CredentialRef, DeviceSpec

COMMANDS = ("show version", "show interfaces status")
_UP = {"connected", "up", "monitoring"}


def _parse(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    from ntc_templates.parse import parse_output

    try:
        return parse_output(platform=platform, command=command, data=text)
    except Exception as exc:  # textfsm raises its own error types for unparsable text or a missing template
        raise ParseError(f"{platform} '{command}': {exc}") from exc


def uptime_seconds(row: Mapping[str, Any]) -> float | None:
    """Seconds from ntc-templates' UPTIME_* fields of `show version`."""
    units = {"uptime_years": 31536000, "uptime_weeks": 604800, "uptime_days": 86400, "uptime_hours": 3600}
    units["uptime_minutes"] = 60
    total, seen = 0.0, False
    for key, seconds in units.items():
        if row.get(key):
            total += int(row[key]) * seconds
            seen = True
    return total if seen else None


def evaluate_cli(platform: str, outputs: Mapping[str, str], uplinks: tuple[str, ...] = ()) -> Evaluation:
    """Readings and status from `show version` and `show interfaces status` text (pure)."""
    out: list[Reading] = []
    version = _parse(platform, "show version", outputs["show version"])
    if not version:
        raise ParseError(f"{platform} 'show version' gave no fields")
    up = uptime_seconds(version[0])
    if up is not None:
        out.append(Reading(metric="sys_uptime_seconds", value=up, unit="seconds", text=version[0].get("version")))
    ports = _parse(platform, "show interfaces status", outputs["show interfaces status"])
    down_uplinks = []
    for row in ports:
        port, status = row.get("port", ""), row.get("status", "")
        oper = 1.0 if status in _UP else 0.0
        out.append(Reading(metric="if_oper_up", value=oper, labels={"interface": port}, text=status))
        admin = 0.0 if status == "disabled" else 1.0
        out.append(Reading(metric="if_admin_up", value=admin, labels={"interface": port}))
        if port in uplinks and not oper:
            down_uplinks.append(port)
    out.append(Reading(metric="if_count", value=float(len(ports))))
    if down_uplinks:
        return Evaluation(out, DeviceStatus.DOWN, f"uplink {', '.join(down_uplinks)} is down")
    return Evaluation(out, DeviceStatus.UP, None)


def _run_commands(params: dict[str, Any]) -> dict[str, str]:
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

    where = f"ssh {params['host']}:{params['port']}"
    try:
        with ConnectHandler(**params) as conn:
            if params.get("secret"):
                conn.enable()
            return {cmd: conn.send_command(cmd, read_timeout=params["timeout"]) for cmd in COMMANDS}
    except NetmikoAuthenticationException as exc:
        raise AuthFailed(f"{where}: authentication failed") from exc
    except (NetmikoTimeoutException, ReadTimeout) as exc:
        raise Timeout(f"{where}: {str(exc).splitlines()[0] if str(exc) else 'timed out'}") from exc
    except (OSError, EOFError) as exc:
        raise Unreachable(f"{where}: {exc}") from exc
    except ValueError as exc:  # netmiko raises ValueError for prompts it cannot find, e.g. a failed enable
        raise CollectorError(f"{where}: {exc}") from exc


async def collect_cli(spec: DeviceSpec, cred: CredentialRef | None, env: Mapping[str, str]) -> Evaluation:
    """Log in over SSH, run the status commands, parse them; netmiko is synchronous, so it runs in a thread."""
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
    outputs = await asyncio.to_thread(_run_commands, params)
    return evaluate_cli(platform, outputs, spec.collect.uplinks)
