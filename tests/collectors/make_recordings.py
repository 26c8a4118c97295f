"""Write the .snmprec recordings in data/ (run by hand after editing; the files are committed).

.venv/bin/python tests/collectors/make_recordings.py
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
UPTIME = "1.3.6.1.2.1.1.3.0|67|8640000"
SYS = ["1.3.6.1.2.1.1.1.0|4|CCIS test recording", "1.3.6.1.2.1.1.5.0|4|test-device"]


def write(name: str, lines: list[str]) -> None:
    """Write a recording sorted by OID (snmpsim needs sorted records for GETNEXT/GETBULK)."""

    def key(line: str) -> tuple[int, ...]:
        return tuple(int(p) for p in line.split("|", 1)[0].split("."))

    (DATA / f"{name}.snmprec").write_text("\n".join(sorted(lines, key=key)) + "\n")


def ups(on_battery: bool) -> list[str]:
    u = "1.3.6.1.2.1.33.1"
    return [
        *SYS,
        UPTIME,
        f"{u}.2.1.0|2|{3 if on_battery else 2}",  # upsBatteryStatus low / normal
        f"{u}.2.2.0|2|{1260 if on_battery else 0}",  # upsSecondsOnBattery
        f"{u}.2.3.0|2|{4 if on_battery else 45}",  # upsEstimatedMinutesRemaining
        f"{u}.2.4.0|2|{12 if on_battery else 100}",  # upsEstimatedChargeRemaining
        f"{u}.3.3.1.3.1|2|{0 if on_battery else 228}",  # upsInputVoltage
        f"{u}.4.1.0|2|{5 if on_battery else 3}",  # upsOutputSource battery / normal
        f"{u}.4.4.1.2.1|2|230",  # upsOutputVoltage
        f"{u}.4.4.1.5.1|2|41",  # upsOutputPercentLoad
    ]


def switch(ports: int, uplink_up: bool = True, growing: bool = True) -> list[str]:
    lines = [*SYS, UPTIME, f"1.3.6.1.2.1.2.1.0|2|{ports}"]
    for i in range(1, ports + 1):
        oper = 1 if (i == 1 and uplink_up) or (i > 1 and i % 3 != 0) else 2
        lines += [
            f"1.3.6.1.2.1.2.2.1.1.{i}|2|{i}",
            f"1.3.6.1.2.1.2.2.1.2.{i}|4|GigabitEthernet0/{i}",
            f"1.3.6.1.2.1.2.2.1.7.{i}|2|1",
            f"1.3.6.1.2.1.2.2.1.8.{i}|2|{oper}",
            f"1.3.6.1.2.1.2.2.1.13.{i}|65|0",
            f"1.3.6.1.2.1.2.2.1.14.{i}|65|{i}",
            f"1.3.6.1.2.1.2.2.1.19.{i}|65|0",
            f"1.3.6.1.2.1.2.2.1.20.{i}|65|0",
            f"1.3.6.1.2.1.31.1.1.1.1.{i}|4|Gi0/{i}",
        ]
        if growing:  # 1 Mbit/s in and 2 Mbit/s out on every port (125000 and 250000 octets per second)
            lines += [
                f"1.3.6.1.2.1.31.1.1.1.6.{i}|70:numeric|initial={10**9 * i},rate=125000",
                f"1.3.6.1.2.1.31.1.1.1.10.{i}|70:numeric|initial={10**9 * i},rate=250000",
            ]
        else:
            lines += [f"1.3.6.1.2.1.31.1.1.1.6.{i}|70|{10**9 * i}", f"1.3.6.1.2.1.31.1.1.1.10.{i}|70|{10**9 * i}"]
    return lines


def radio_ubiquiti(stations: int = 1) -> list[str]:
    """airMAX station at radio index 1: ubntWlStatTable and one ubntStaTable row (its access point)."""
    w, sta = "1.3.6.1.4.1.41112.1.4.5.1", "1.3.6.1.4.1.41112.1.4.7.1"
    peer = "1.4.24.214.161.178.195"  # radio 1, MAC 04:18:d6:a1:b2:c3
    return [
        *SYS,
        UPTIME,
        "1.3.6.1.4.1.41112.1.4.1.1.7.1|2|7300",
        f"{w}.4.1|4x|0418d6a1b2c3",
        f"{w}.5.1|2|-62",
        f"{w}.7.1|2|94",
        f"{w}.8.1|2|-95",
        f"{w}.9.1|2|130000",
        f"{w}.10.1|2|117000",
        f"{w}.15.1|66|{stations}",
        f"{sta}.3.{peer}|2|-62",
        f"{sta}.4.{peer}|2|-95",
        f"{sta}.5.{peer}|2|7300",
    ]


def radio_mikrotik() -> list[str]:
    """RouterOS station, wlan1 at ifIndex 1: one registration-table row without its own SNR, noise in the AP table."""
    m = "1.3.6.1.4.1.14988.1.1.1"
    row = "76.94.12.17.34.51.1"  # peer 4c:5e:0c:11:22:33 on ifIndex 1
    return [
        *SYS,
        UPTIME,
        f"{m}.2.1.3.{row}|2|-70",
        f"{m}.2.1.8.{row}|66|150000000",
        f"{m}.2.1.9.{row}|66|130000000",
        f"{m}.2.1.12.{row}|2|0",
        f"{m}.3.1.9.1|2|-80",  # SNR 10 dB from signal - noise floor: a weak link
        f"{m}.3.1.10.1|65|71",
        f"{m}.4.0|66|1",
    ]


def radio_cambium(registered: bool = True) -> list[str]:
    """ePMP subscriber module (cambiumRFStatus scalars)."""
    c = "1.3.6.1.4.1.17713.21.1.2"
    return [
        *SYS,
        UPTIME,
        f"{c}.3.0|2|-58",
        f"{c}.12.0|4|4.1",
        f"{c}.16.0|2|{3 if registered else 1}",
        f"{c}.18.0|2|31",
        f"{c}.19.0|4|00:04:56:AA:BB:CC",
        f"{c}.22.0|2|88",
    ]


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    write("ups-mains", ups(False))
    write("ups-battery-low", ups(True))
    write("ups-swap", ups(False))  # a test rewrites its copy at run time (mains -> battery)
    write("switch24", switch(24))
    write("radio-ubiquiti", radio_ubiquiti())
    write("radio-mikrotik", radio_mikrotik())
    write("radio-cambium", radio_cambium())
    write("radio-cambium-lost", radio_cambium(registered=False))
