"""The agent's own host by psutil: CPU, load, memory, disk per mount, network errors, uptime, required processes.

The data source is injected (``source=psutil`` by default), as client_python's ProcessCollector takes its /proc
path: tests feed a namespace with the same functions and chosen values.
"""

from __future__ import annotations

import os
from types import ModuleType, SimpleNamespace

import psutil

from collectors.readings import DeviceStatus, Reading
from collectors.snmp_eval import Evaluation

DISK_FULL = 0.95
MEMORY_FULL = 0.95
_PSEUDO_FS = {"tmpfs", "devtmpfs", "overlay", "squashfs", "proc", "sysfs", "cgroup", "cgroup2", "nsfs"}


def _process_names(source: ModuleType | SimpleNamespace) -> set[str]:
    """Names a process answers to: its name, and the base names of its first two command-line words."""
    names: set[str] = set()
    for p in source.process_iter(["name", "cmdline"]):
        info = p.info
        names.add(info.get("name") or "")
        for word in (info.get("cmdline") or [])[:2]:
            names.add(os.path.basename(word))
    return names


def collect_host(processes: tuple[str, ...], now: float, source: ModuleType | SimpleNamespace = psutil) -> Evaluation:
    """Readings and status of this host; ``now`` is wall-clock epoch seconds (for uptime)."""
    out: list[Reading] = []
    reasons: list[str] = []
    out.append(Reading(metric="host_cpu_ratio", value=source.cpu_percent(interval=None) / 100.0, unit="ratio"))
    out.append(Reading(metric="host_load1", value=float(source.getloadavg()[0])))
    mem = source.virtual_memory()
    mem_ratio = mem.percent / 100.0
    out.append(Reading(metric="host_memory_used_ratio", value=mem_ratio, unit="ratio"))
    if mem_ratio > MEMORY_FULL:
        reasons.append(f"memory {mem.percent:.0f}% used")
    seen: set[str] = set()
    for part in source.disk_partitions(all=False):
        if part.fstype in _PSEUDO_FS or part.mountpoint in seen:
            continue
        seen.add(part.mountpoint)
        try:
            used = source.disk_usage(part.mountpoint).percent / 100.0
        except OSError:  # a mount can vanish or deny access between listing and reading; skip that mount only
            continue
        out.append(Reading(metric="host_disk_used_ratio", value=used, unit="ratio", labels={"mount": part.mountpoint}))
        if used > DISK_FULL:
            reasons.append(f"disk {part.mountpoint} {used:.0%} full")
    for nic, c in sorted(source.net_io_counters(pernic=True).items()):
        out.append(Reading(metric="host_net_errors_total", value=float(c.errin + c.errout), labels={"interface": nic}))
    out.append(Reading(metric="sys_uptime_seconds", value=max(0.0, now - source.boot_time()), unit="seconds"))
    if processes:
        running = _process_names(source)
        for name in processes:
            up = name in running
            out.append(Reading(metric="host_process_up", value=1.0 if up else 0.0, labels={"process": name}))
            if not up:
                reasons.append(f"process {name} not running")
    status = DeviceStatus.DEGRADED if reasons else DeviceStatus.UP
    return Evaluation(out, status, "; ".join(reasons) or None)
