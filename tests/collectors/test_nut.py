"""NUT: the real upsd with the dummy-ups driver, flipped from on-line to on-battery-low while it runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from collectors.readings import CollectResult, DeviceStatus
from collectors.run import Collectors
from collectors.spec import DeviceSpec
from tests.peers import DUMMY_UPS_ON_BATTERY_LOW, Nut, PeerError, nut, nut_status


@pytest.fixture
def ups(tmp_path) -> Iterator[Nut]:
    try:
        with nut(tmp_path) as n:
            yield n
    except PeerError as exc:
        pytest.fail(f"NUT peer: {exc}")


def collect(port: int, name: str) -> CollectResult:
    s = DeviceSpec(
        id="ups", site="t", kind="ups", address="127.0.0.1", collect={"method": "nut", "port": port, "ups": name}
    )
    return asyncio.run(Collectors().collect(s))


def test_on_line_then_on_battery_low(ups: Nut) -> None:
    r = collect(ups.port, ups.ups)
    assert r.status is DeviceStatus.UP, r.error
    got = {x.metric: x.value for x in r.readings}
    assert got["ups_on_battery"] == 0.0 and got["ups_battery_charge_ratio"] == 1.0
    assert got["ups_battery_minutes_remaining"] == 45.0 and got["ups_input_voltage_volts"] == 229.0

    ups.set_state(DUMMY_UPS_ON_BATTERY_LOW)
    for _ in range(50):  # bounded: the driver re-reads its file every second
        if nut_status(ups.port, ups.ups) == "OB LB":
            break
        time.sleep(0.2)
    r = collect(ups.port, ups.ups)
    assert r.status is DeviceStatus.DEGRADED
    assert r.error == "battery low; on battery"
    got = {x.metric: x.value for x in r.readings}
    assert got["ups_on_battery"] == 1.0 and got["ups_battery_low"] == 1.0 and got["ups_output_source"] == 5.0
    assert got["ups_battery_minutes_remaining"] == 4.0


def test_unknown_ups_name_is_reported(ups: Nut) -> None:
    r = collect(ups.port, "nosuchups")
    assert r.status is DeviceStatus.UNKNOWN
    assert "UNKNOWN-UPS" in r.error


def test_nothing_listening_is_unreachable(ups: Nut) -> None:
    from tests.peers import free_port

    r = collect(free_port(), ups.ups)
    assert r.status is DeviceStatus.UNREACHABLE
    assert r.error.startswith("Unreachable")
