"""The NOC console's words, ages and charts: plain values in, plain values (or SVG text) out. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

# Each state's words and colour class; down and unreachable differ (a failed site vs. one behind a failure).
STATE_WORDS = {
    "up": "up",
    "degraded": "degraded",
    "down": "down",
    "unreachable": "unreachable",
    "maintenance": "maintenance",
    "unknown": "unknown",
}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Shown:
    """A state as the console shows it: the colour class and the words (e.g. "unreachable behind Orangi radio")."""

    css: str
    words: str


def shown_state(state: str, reason: str | None, root_cause: str | None, name_of: dict[str, str]) -> Shown:
    """The console's view of a stored state: maintenance is stored as unknown with a "maintenance" reason."""
    reason = reason or ""
    if state == "unknown" and reason.startswith("maintenance"):
        return Shown("maintenance", "maintenance")
    if state == "unreachable":
        root = root_cause or (reason.removeprefix("unreachable behind ").strip() if "behind" in reason else "")
        return Shown("unreachable", f"unreachable behind {name_of.get(root, root)}" if root else "unreachable")
    css = state if state in STATE_WORDS else "unknown"
    return Shown(css, STATE_WORDS[css])


def ago(now: datetime, then: datetime | None) -> str:
    """How long ago, in the words a wall reads at a glance: "just now", "3 min ago", "2 h ago", "4 days ago"."""
    if then is None:
        return "never"
    s = (now - then).total_seconds()
    if s < 45:
        return "just now"
    if s < 3600:
        return f"{round(s / 60)} min ago"
    if s < 86400 * 2:
        return f"{int(s // 3600)} h {int(s % 3600 // 60)} min ago" if s < 36000 else f"{round(s / 3600)} h ago"
    return f"{round(s / 86400)} days ago"


def age(now: datetime, then: datetime | None) -> str:
    """A length of time without "ago" ("12 min", "3 h 5 min")."""
    return ago(now, then).removesuffix(" ago").replace("just now", "under a minute")


def local(t: datetime | None, tz: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A UTC time in the city's zone."""
    return t.astimezone(ZoneInfo(tz)).strftime(fmt) if t else "—"


def ratio_percent(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.0f} %"


def bits(v: float | None) -> str:
    """A capacity in bits per second, in words a NOC reads ("54 Mbit/s")."""
    if v is None:
        return "—"
    for unit, div in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if abs(v) >= div:
            return f"{v / div:.1f} {unit}"
    return f"{v:.0f} bit/s"


def parse_labels(labels: str) -> dict[str, str]:
    """'interface=Gi0/1,x=y' as a dict."""
    return dict(p.split("=", 1) for p in labels.split(",") if "=" in p) if labels else {}


# Metric readings each device kind shows first: (metric, label, formatter).
def key_readings(kind: str, latest: dict[tuple[str, str], float], uplinks: tuple[str, ...] = ()) -> list[tuple]:
    """The readings that matter for ``kind`` as (label, value in words) pairs, and switch ports apart.

    ``latest`` maps (metric, labels) to the newest value. Returns [(label, words)] or, for switches, also the
    ports as ("port", interface, state words, errors, is_uplink) rows after the readings."""

    def one(metric: str) -> float | None:
        return latest.get((metric, ""))

    rows: list[tuple] = []
    if kind == "ups":
        on_batt = one("ups_on_battery")
        rows += [
            ("On battery", "—" if on_batt is None else ("yes" if on_batt >= 1 else "no, on mains")),
            ("Minutes left", "—" if one("ups_battery_minutes_remaining") is None
             else f"{one('ups_battery_minutes_remaining'):.0f} min"),
            ("Load", ratio_percent(one("ups_load_ratio"))),
            ("Charge", ratio_percent(one("ups_battery_charge_ratio"))),
        ]  # fmt: skip
    elif kind == "radio":
        sig, snr = one("radio_signal_dbm"), one("radio_snr_db")
        rows += [
            ("Signal", "—" if sig is None else f"{sig:.0f} dBm"),
            ("SNR", "—" if snr is None else f"{snr:.0f} dB"),
            ("Capacity (tx / rx)", f"{bits(one('radio_tx_capacity_bps'))} / {bits(one('radio_rx_capacity_bps'))}"),
            ("Link", {None: "—", 1.0: "up", 0.0: "down"}.get(one("radio_link_up"), "—")),
        ]
    elif kind in ("workstation", "server", "pbx"):
        rows += [
            ("CPU", ratio_percent(one("host_cpu_ratio"))),
            ("Memory", ratio_percent(one("host_memory_used_ratio"))),
            ("Disk", ratio_percent(one("host_disk_used_ratio"))),
        ]
    ports: dict[str, dict[str, float]] = {}
    for (metric, labels), value in latest.items():
        if metric in ("if_oper_up", "if_in_errors_total", "if_out_errors_total"):
            name = parse_labels(labels).get("interface", labels)
            ports.setdefault(name, {})[metric] = value
    for name in sorted(ports, key=lambda n: (n not in uplinks, n)):
        p = ports[name]
        oper = p.get("if_oper_up")
        errors = p.get("if_in_errors_total", 0) + p.get("if_out_errors_total", 0)
        rows.append(("port", name, "—" if oper is None else ("up" if oper >= 1 else "down"), int(errors),
                     name in uplinks))  # fmt: skip
    return rows


# Which metric a device kind charts first.
DEFAULT_METRIC = {
    "ups": "ups_battery_charge_ratio",
    "radio": "radio_signal_dbm",
    "switch": "if_in_errors_total",
    "workstation": "host_cpu_ratio",
    "server": "host_cpu_ratio",
}
RANGES = {"1h": 3600, "6h": 6 * 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}


def auto_step(seconds: float) -> str:
    """Raw points for a few hours, 5-minute buckets up to two days, hourly beyond."""
    return "raw" if seconds <= 6 * 3600 else "5m" if seconds <= 2 * 86400 else "1h"


def svg_chart(
    points: list[tuple[float, float, float, float]],
    start: float,
    end: float,
    tz: str,
    title: str,
    width: int = 640,
    height: int = 180,
) -> str:
    """A line chart as inline SVG: ``points`` are (epoch seconds, value, low, high); the band shows low..high
    of rollup buckets (equal to the value for raw points). Labelled for screen readers by ``title``."""
    left, right, top, bottom = 52, 8, 10, 24
    w, h = width - left - right, height - top - bottom
    t = escape(title)
    if not points:
        return (
            f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" aria-label="{t}: no readings">'
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no readings in this range</text></svg>'
        )
    lo = min(p[2] for p in points)
    hi = max(p[3] for p in points)
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    span = max(end - start, 1.0)

    def x(ts: float) -> float:
        return left + (ts - start) / span * w

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * h

    line = " ".join(f"{x(p[0]):.1f},{y(p[1]):.1f}" for p in points)
    band = ""
    if any(p[2] != p[3] for p in points):
        upper = [f"{x(p[0]):.1f},{y(p[3]):.1f}" for p in points]
        lower = [f"{x(p[0]):.1f},{y(p[2]):.1f}" for p in reversed(points)]
        band = f'<polygon class="band" points="{" ".join(upper + lower)}"/>'
    fmt = "%H:%M" if span <= 86400 else "%d %b %H:%M"
    z = ZoneInfo(tz)
    t0 = datetime.fromtimestamp(start, z).strftime(fmt)
    t1 = datetime.fromtimestamp(end, z).strftime(fmt)
    last = points[-1][1]
    return (
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{t}: {len(points)} points from {_num(lo)} to {_num(hi)}, latest {_num(last)}">'
        f'<rect class="frame" x="{left}" y="{top}" width="{w}" height="{h}"/>{band}'
        f'<polyline class="line" points="{line}"/>'
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{_num(hi)}</text>'
        f'<text x="{left - 4}" y="{top + h}" text-anchor="end">{_num(lo)}</text>'
        f'<text x="{left}" y="{height - 6}">{t0}</text>'
        f'<text x="{left + w}" y="{height - 6}" text-anchor="end">{t1}</text></svg>'
    )


def _num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.2f}".rstrip("0").rstrip(".")
