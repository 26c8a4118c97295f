"""Simulated devices for the benchmarks: snmpsim recordings, one community (file) per device, on loopback."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.collectors.make_recordings import radio_cambium, radio_mikrotik, radio_ubiquiti, switch, ups  # noqa: E402

PROFILE_DIR = ROOT / "collectors" / "profiles"
# The budget's workload: exactly 4 IF-MIB columns per switch (a profile is a file, so the bench ships its own).
BENCH_IF4 = """name: bench-if4
scalars:
  - {oid: 1.3.6.1.2.1.1.3.0, metric: sys_uptime_seconds, scale: 0.01, unit: seconds}
tables:
  - label: interface
    columns:
      - {oid: 1.3.6.1.2.1.2.2.1.8, metric: if_oper_up, in: [1]}
      - {oid: 1.3.6.1.2.1.31.1.1.1.6, metric: if_in_bits_per_second, counter: 64, scale: 8, unit: bits/s}
      - {oid: 1.3.6.1.2.1.31.1.1.1.10, metric: if_out_bits_per_second, counter: 64, scale: 8, unit: bits/s}
      - {oid: 1.3.6.1.2.1.2.2.1.14, metric: if_errors_per_second, counter: 32, unit: 1/s}
"""
IF4_COLUMNS = ["1.3.6.1.2.1.2.2.1.8", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.31.1.1.1.10", "1.3.6.1.2.1.2.2.1.14"]
RADIOS = [
    ("radio-ubiquiti-airmax", radio_ubiquiti),
    ("radio-mikrotik-wireless", radio_mikrotik),
    ("radio-cambium-epmp", radio_cambium),
]


def _write(path: Path, lines: list[str]) -> None:
    def key(line: str) -> tuple[int, ...]:
        return tuple(int(p) for p in line.split("|", 1)[0].split("."))

    path.write_text("\n".join(sorted(lines, key=key)) + "\n")


def build(work: Path, switches: int, upses: int, radios: int, growing: bool = False) -> tuple[Path, Path, list]:
    """Write recordings and a profile dir; returns (data dir, profile dir, [(community, profile, kind)])."""
    data, profiles = work / "data", work / "profiles"
    data.mkdir(parents=True, exist_ok=True)
    profiles.mkdir(exist_ok=True)
    for p in PROFILE_DIR.glob("*.yaml"):
        shutil.copy(p, profiles / p.name)
    (profiles / "bench-if4.yaml").write_text(BENCH_IF4)
    devices = []
    sw = switch(26, growing=growing)
    for i in range(switches):
        _write(data / f"sw{i:03d}.snmprec", sw)
        devices.append((f"sw{i:03d}", "bench-if4", "switch"))
    for i in range(upses):
        _write(data / f"ups{i:03d}.snmprec", ups(on_battery=i % 5 == 0))
        devices.append((f"ups{i:03d}", "ups-rfc1628", "ups"))
    for i in range(radios):
        profile, make = RADIOS[i % len(RADIOS)]
        _write(data / f"radio{i:03d}.snmprec", make())
        devices.append((f"radio{i:03d}", profile, "radio"))
    return data, profiles, devices
