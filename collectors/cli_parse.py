"""Parse switch CLI output with ntc-templates (TextFSM) into plain readings: pure, and free of pydantic.

The CLI worker process (`collectors.cli_worker`) imports this and netmiko only, so its short life is spent on
the poll rather than on importing the agent's models; `collectors.cli` turns the plain values into readings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectors.errors import ParseError

_UP = {"connected", "up", "monitoring"}
_LONG = {"FastEthernet": "Fa", "GigabitEthernet": "Gi", "TenGigabitEthernet": "Te", "TwentyFiveGigE": "Twe"}
_LONG |= {"FortyGigabitEthernet": "Fo", "HundredGigE": "Hu", "Ethernet": "Et", "Port-channel": "Po"}


def reading(
    *, metric: str, value: float, unit: str = "", labels: dict[str, str] | None = None, text: str | None = None
) -> dict[str, Any]:
    """A reading as plain values (the fields of `collectors.readings.Reading`)."""
    out: dict[str, Any] = {"metric": metric, "value": value}
    if unit:
        out["unit"] = unit
    if labels:
        out["labels"] = labels
    if text is not None:
        out["text"] = text
    return out


def _template(platform: str, command: str) -> Path | None:
    """The ntc-templates file for a full command (their naming: platform_show_interfaces_status.textfsm)."""
    import ntc_templates

    path = Path(ntc_templates.__file__).parent / "templates" / f"{platform}_{'_'.join(command.split())}.textfsm"
    return path if path.is_file() else None


def _parse(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    # The template is opened by name: ntc-templates' own lookup reads and compiles its whole index (over a
    # thousand regular expressions), half of a worker's CPU for one poll. The index is the fallback.
    try:
        template = _template(platform, command)
        if template is None:
            from ntc_templates.parse import parse_output

            return parse_output(platform=platform, command=command, data=text)
        import textfsm

        with template.open() as f:
            fsm = textfsm.TextFSM(f)
        header = [h.lower() for h in fsm.header]
        return [dict(zip(header, row, strict=True)) for row in fsm.ParseText(text)]
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


def short_name(name: str) -> str:
    """IOS short interface name, as `show interfaces status` prints it (GigabitEthernet0/1 -> Gi0/1)."""
    for long, short in sorted(_LONG.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(long) and name[len(long) : len(long) + 1].isdigit():
            return short + name[len(long) :]
    return name


def error_totals(platform: str, text: str) -> list[dict[str, Any]]:
    """if_in_errors_total / if_out_errors_total per port from `show interfaces` (pure)."""
    out: list[dict[str, Any]] = []
    for row in _parse(platform, "show interfaces", text):
        port = short_name(row.get("interface", ""))
        for key, metric in (("input_errors", "if_in_errors_total"), ("output_errors", "if_out_errors_total")):
            if str(row.get(key, "")).isdigit():
                out.append(reading(metric=metric, value=float(row[key]), labels={"interface": port}))
    return out


def evaluate_cli(platform: str, outputs: Mapping[str, str], uplinks: tuple[str, ...] = ()) -> dict[str, Any]:
    """{status, reason, readings} from `show version`, `show interfaces status` and `show interfaces` (pure)."""
    out: list[dict[str, Any]] = []
    version = _parse(platform, "show version", outputs["show version"])
    if not version:
        raise ParseError(f"{platform} 'show version' gave no fields")
    up = uptime_seconds(version[0])
    if up is not None:
        out.append(reading(metric="sys_uptime_seconds", value=up, unit="seconds", text=version[0].get("version")))
    ports = _parse(platform, "show interfaces status", outputs["show interfaces status"])
    down_uplinks = []
    for row in ports:
        port, status = row.get("port", ""), row.get("status", "")
        oper = 1.0 if status in _UP else 0.0
        out.append(reading(metric="if_oper_up", value=oper, labels={"interface": port}, text=status))
        admin = 0.0 if status == "disabled" else 1.0
        out.append(reading(metric="if_admin_up", value=admin, labels={"interface": port}))
        if port in uplinks and not oper:
            down_uplinks.append(port)
    out.append(reading(metric="if_count", value=float(len(ports))))
    if outputs.get("show interfaces"):
        out.extend(error_totals(platform, outputs["show interfaces"]))
    if down_uplinks:
        return {"status": "down", "reason": f"uplink {', '.join(down_uplinks)} is down", "readings": out}
    return {"status": "up", "reason": None, "readings": out}
