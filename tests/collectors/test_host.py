"""Host collection by psutil: an injected source for exact values, and the real machine once."""

from __future__ import annotations

import asyncio
import time
from collections import namedtuple
from types import SimpleNamespace

from collectors.host import collect_host
from collectors.readings import DeviceStatus
from collectors.run import Collectors
from collectors.spec import DeviceSpec

Part = namedtuple("Part", "device mountpoint fstype opts")
Usage = namedtuple("Usage", "percent")
Nic = namedtuple("Nic", "errin errout")
Mem = namedtuple("Mem", "percent")


class Proc:
    def __init__(self, name: str, cmdline: list[str]) -> None:
        self.info = {"name": name, "cmdline": cmdline}


def fake_source(disk_percent: float = 40.0, procs: list[Proc] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        cpu_percent=lambda interval=None: 25.0,
        getloadavg=lambda: (0.5, 0.4, 0.3),
        virtual_memory=lambda: Mem(61.0),
        disk_partitions=lambda all=False: [Part("/dev/sda1", "/", "ext4", ""), Part("tmpfs", "/run", "tmpfs", "")],
        disk_usage=lambda mount: Usage(disk_percent),
        net_io_counters=lambda pernic=True: {"eth0": Nic(3, 4), "lo": Nic(0, 0)},
        boot_time=lambda: 1000.0,
        process_iter=lambda attrs: procs or [],
    )


def test_readings_from_an_injected_source() -> None:
    procs = [Proc("python3", ["/opt/venv/bin/python", "/opt/venv/bin/ccis", "serve"])]
    ev = collect_host(("ccis",), now=4600.0, source=fake_source(procs=procs))
    got = {(r.metric, tuple(r.labels.values())): r.value for r in ev.readings}
    assert ev.status is DeviceStatus.UP
    assert got[("host_cpu_ratio", ())] == 0.25
    assert got[("host_memory_used_ratio", ())] == 0.61
    assert got[("host_disk_used_ratio", ("/",))] == 0.4
    assert ("host_disk_used_ratio", ("/run",)) not in got  # tmpfs is not a disk
    assert got[("host_net_errors_total", ("eth0",))] == 7.0
    assert got[("sys_uptime_seconds", ())] == 3600.0
    assert got[("host_process_up", ("ccis",))] == 1.0


def test_missing_process_and_full_disk_degrade() -> None:
    ev = collect_host(("chrome",), now=2000.0, source=fake_source(disk_percent=97.0))
    assert ev.status is DeviceStatus.DEGRADED
    assert ev.reason == "disk / 97% full; process chrome not running"


def test_this_machine() -> None:
    spec = DeviceSpec(id="me", site="t", kind="server", address="127.0.0.1", collect={"method": "psutil"})
    r = asyncio.run(Collectors().collect(spec))
    metrics = {x.metric for x in r.readings}
    assert r.status in (DeviceStatus.UP, DeviceStatus.DEGRADED)
    assert {"host_cpu_ratio", "host_load1", "host_memory_used_ratio", "sys_uptime_seconds"} <= metrics
    up = next(x.value for x in r.readings if x.metric == "sys_uptime_seconds")
    assert 0 < up < time.time()
