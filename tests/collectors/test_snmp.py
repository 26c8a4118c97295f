"""SNMP collection against real agents: snmpsim with our recordings, Debian snmpd over v2c and v3 authPriv."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from collectors.readings import CollectResult, DeviceStatus
from collectors.run import Collectors
from collectors.spec import CredentialRef, DeviceSpec
from tests.collectors.conftest import DATA, V3_AUTH, V3_PRIV, V3_USER
from tests.peers import Snmpsim

V2 = CredentialRef(id="v2", kind="snmp_v2c", community_env="T_COMMUNITY")


def spec(profile: str, port: int, **collect: object) -> DeviceSpec:
    return DeviceSpec(
        id=f"dev-{profile}",
        site="test",
        kind="switch",
        address="127.0.0.1",
        collect={"method": "snmp", "profile": profile, "port": port, "credential": "v2", **collect},
    )


def collect(community: str, s: DeviceSpec, times: int = 1, gap: float = 0.0) -> CollectResult:
    async def run() -> CollectResult:
        c = Collectors({"v2": V2}, env={"T_COMMUNITY": community})
        try:
            result = await c.collect(s)
            for _ in range(times - 1):
                await asyncio.sleep(gap)
                result = await c.collect(s)
            return result
        finally:
            await c.aclose()

    return asyncio.run(run())


def values(result: CollectResult, metric: str) -> dict[str, float]:
    return {",".join(r.labels.values()): r.value for r in result.readings if r.metric == metric}


def test_ups_on_mains_is_up(sim: Snmpsim) -> None:
    r = collect("ups-mains", spec("ups-rfc1628", sim.port))
    assert r.status is DeviceStatus.UP, r.error
    assert values(r, "ups_on_battery") == {"": 0.0}
    assert values(r, "ups_battery_charge_ratio") == {"": 1.0}
    assert values(r, "ups_input_voltage_volts") == {"": 228.0}
    src = next(x for x in r.readings if x.metric == "ups_output_source")
    assert (src.value, src.text) == (3.0, "normal")


def test_ups_on_battery_low_is_degraded_with_reason(sim: Snmpsim) -> None:
    r = collect("ups-battery-low", spec("ups-rfc1628", sim.port))
    assert r.status is DeviceStatus.DEGRADED
    assert "battery low" in r.error and "on battery" in r.error
    assert values(r, "ups_battery_minutes_remaining") == {"": 4.0}
    assert values(r, "ups_seconds_on_battery") == {"": 1260.0}
    assert values(r, "ups_battery_low") == {"": 1.0}


def test_switch_interfaces_rates_and_uplink_up(sim: Snmpsim) -> None:
    r = collect("switch24", spec("if-mib", sim.port, uplinks=["Gi0/1"]), times=2, gap=1.5)
    assert r.status is DeviceStatus.UP, r.error
    assert values(r, "if_count") == {"": 24.0}
    oper = values(r, "if_oper_up")
    assert len(oper) == 24 and oper["Gi0/1"] == 1.0 and oper["Gi0/3"] == 0.0
    rates = values(r, "if_in_bits_per_second")
    assert len(rates) == 24
    # the recording grows each in-counter by 125000 octets/s: about 1 Mbit/s
    assert all(5e5 < v < 2e6 for v in rates.values()), rates
    assert values(r, "if_errors_per_second")["Gi0/5"] == 0.0


def test_switch_uplink_down_marks_device_down(sim: Snmpsim) -> None:
    r = collect("switch24", spec("if-mib", sim.port, uplinks=["Gi0/3"]))
    assert r.status is DeviceStatus.DOWN
    assert r.error == "uplink Gi0/3 is down"


def test_radio_profiles(sim: Snmpsim) -> None:
    ubnt = collect("radio-ubiquiti", spec("radio-ubiquiti-airmax", sim.port))
    assert ubnt.status is DeviceStatus.UP, ubnt.error
    assert values(ubnt, "radio_snr_db")[""] == 33.0
    assert values(ubnt, "radio_distance_meters")[""] == 7300.0
    assert next(x.text for x in ubnt.readings if x.metric == "radio_peer_info") == "04:18:d6:a1:b2:c3"

    mikrotik = collect("radio-mikrotik", spec("radio-mikrotik-wireless", sim.port))
    assert mikrotik.status is DeviceStatus.DEGRADED
    assert mikrotik.error == "weak link: SNR 10 dB"
    assert values(mikrotik, "radio_link_up")[""] == 1.0

    cambium = collect("radio-cambium", spec("radio-cambium-epmp", sim.port))
    assert cambium.status is DeviceStatus.UP, cambium.error
    assert values(cambium, "radio_snr_db")[""] == 31.0
    assert values(cambium, "radio_distance_meters")[""] == 4100.0

    lost = collect("radio-cambium-lost", spec("radio-cambium-epmp", sim.port))
    assert lost.status is DeviceStatus.DOWN
    assert "radio link not associated" in lost.error


def test_recording_swapped_at_run_time_is_seen(sim: Snmpsim) -> None:
    # the UPS loses mains while the agent runs: the recording changes under snmpsim
    target = sim.data_dir / "ups-swap.snmprec"
    s = spec("ups-rfc1628", sim.port)
    assert target.exists()  # copied at start from ups-mains (new communities are only found at start)
    assert collect("ups-swap", s).status is DeviceStatus.UP
    target.write_text((DATA / "ups-battery-low.snmprec").read_text())
    later = time.time() + 3  # snmpsim compares whole seconds: make the new file clearly newer
    os.utime(target, (later, later))
    r = collect("ups-swap", s)
    assert r.status is DeviceStatus.DEGRADED and "on battery" in r.error


def test_unknown_community_is_an_unreachable_result_not_an_exception(sim: Snmpsim) -> None:
    r = collect("no-such-community", spec("ups-rfc1628", sim.port, timeout=1.0))
    assert r.status is DeviceStatus.UNREACHABLE
    assert r.error.startswith("Timeout")
    assert values(r, "collector_up") == {"snmp": 0.0}


def test_one_dead_device_does_not_stop_the_others(sim: Snmpsim) -> None:
    async def run() -> list[CollectResult]:
        c = Collectors({"v2": V2}, env={"T_COMMUNITY": "ups-mains"})
        dead = spec("ups-rfc1628", sim.port, timeout=1.0).model_copy(update={"id": "dead", "address": "127.0.0.2"})
        try:
            return await asyncio.gather(c.collect(spec("ups-rfc1628", sim.port)), c.collect(dead))
        finally:
            await c.aclose()

    ok, dead = asyncio.run(run())
    assert ok.status is DeviceStatus.UP
    assert dead.status is DeviceStatus.UNREACHABLE


def test_snmpd_v2c_if_mib_and_host_resources(snmpd_port: int) -> None:
    r = collect("ccis-test", spec("if-mib", snmpd_port, uplinks=["lo"]))
    assert r.status is DeviceStatus.UP, r.error
    assert values(r, "if_oper_up")["lo"] == 1.0
    h = collect("ccis-test", spec("host-resources", snmpd_port))
    assert h.status in (DeviceStatus.UP, DeviceStatus.DEGRADED), h.error
    assert values(h, "sys_uptime_seconds")[""] > 0
    assert 0 < values(h, "host_memory_used_ratio")[""] <= 1


def _v3(port: int, auth: str) -> CollectResult:
    cred = CredentialRef(
        id="v3", kind="snmp_v3", user=V3_USER, auth_protocol="sha", auth_key_env="A", priv_protocol="aes",
        priv_key_env="P",
    )  # fmt: skip
    s = spec("if-mib", port, credential="v3", timeout=2.0)

    async def run() -> CollectResult:
        c = Collectors({"v3": cred}, env={"A": auth, "P": V3_PRIV})
        try:
            return await c.collect(s)
        finally:
            await c.aclose()

    return asyncio.run(run())


def test_snmpd_v3_auth_priv(snmpd_port: int) -> None:
    r = _v3(snmpd_port, V3_AUTH)
    assert r.status is DeviceStatus.UP, r.error
    assert "lo" in values(r, "if_oper_up")


def test_snmpd_v3_wrong_key_is_auth_failed(snmpd_port: int) -> None:
    r = _v3(snmpd_port, "wrong-key-0123456789")
    assert r.status is DeviceStatus.UNREACHABLE
    assert r.error.startswith("AuthFailed"), r.error


def test_recordings_are_sorted() -> None:
    for path in Path(DATA).glob("*.snmprec"):
        oids = [tuple(int(p) for p in line.split("|")[0].split(".")) for line in path.read_text().splitlines()]
        assert oids == sorted(oids), path.name


def test_switch_port_errors_are_reported_as_totals_too(sim: Snmpsim) -> None:
    # Gi0/3 has counted 1,234 input errors, none since: the rate is 0, the total is what shows the port is sick
    r = collect("switch-port-errors", spec("if-mib", sim.port), times=2, gap=1.1)
    assert r.status is DeviceStatus.UP, r.error
    assert values(r, "if_in_errors_total")["Gi0/3"] == 1234.0
    assert values(r, "if_out_errors_total")["Gi0/5"] == 56.0
    assert values(r, "if_in_errors_total")["Gi0/1"] == 0.0
    assert values(r, "if_errors_per_second")["Gi0/3"] == 0.0
