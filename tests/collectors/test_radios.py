"""Radio profiles against vendor-shaped recordings (snmpsim): wireless interfaces at any ifIndex, several links.

The recordings follow MIKROTIK-MIB (mtxrWlRtabTable indexed by peer MAC + ifIndex, mtxrWlApTable by ifIndex),
UBNT-AirMAX-MIB (ubntWlStatTable, ubntStaTable indexed by radio + MAC) and CAMBIUM-PMP80211-MIB (SM scalars,
cambiumAPConnectedSTATable). Each link is reported with its labels; the device's own value is its worst link.
"""

from __future__ import annotations

from collectors.readings import CollectResult, DeviceStatus
from tests.collectors.test_snmp import collect, spec
from tests.peers import Snmpsim


def device(result: CollectResult, metric: str) -> float | None:
    """The device-level (unlabelled) value of ``metric``."""
    found = [r.value for r in result.readings if r.metric == metric and not r.labels]
    assert len(found) <= 1, found
    return found[0] if found else None


def links(result: CollectResult, metric: str, label: str = "station") -> dict[str, float]:
    return {r.labels[label]: r.value for r in result.readings if r.metric == metric and label in r.labels}


def radio(sim: Snmpsim, community: str, profile: str) -> CollectResult:
    return collect(community, spec(profile, sim.port).model_copy(update={"kind": "radio"}))


def test_mikrotik_access_point_two_wireless_interfaces(sim: Snmpsim) -> None:
    r = radio(sim, "rb-ap-two-wlans", "radio-mikrotik-wireless")
    assert r.status is DeviceStatus.UP, r.error
    signal = links(r, "radio_signal_dbm")
    assert signal == {"64:d1:54:1a:2b:01": -61.0, "64:d1:54:1a:2b:02": -74.0, "64:d1:54:1a:2b:03": -78.0}
    # the vendor's own SNR column (mtxrWlRtabSignalToNoise), not signal minus noise floor; 0 means "not measured"
    assert links(r, "radio_snr_db") == {"64:d1:54:1a:2b:01": 36.0, "64:d1:54:1a:2b:03": 17.0}
    rows = [x for x in r.readings if x.metric == "radio_signal_dbm" and x.labels]
    ifaces = {x.labels["station"]: x.labels["interface"] for x in rows}
    assert ifaces == {"64:d1:54:1a:2b:01": "5", "64:d1:54:1a:2b:02": "5", "64:d1:54:1a:2b:03": "9"}
    assert links(r, "radio_noise_dbm", "interface") == {"5": -104.0, "9": -97.0}
    assert device(r, "radio_signal_dbm") == -78.0  # the worst link
    assert device(r, "radio_snr_db") == 17.0
    assert device(r, "radio_noise_dbm") == -97.0
    assert (device(r, "radio_stations"), device(r, "radio_link_up")) == (3.0, 1.0)
    assert device(r, "radio_link_quality_ratio") == 0.64


def test_mikrotik_station_on_if7_weak_link(sim: Snmpsim) -> None:
    r = radio(sim, "rb-station-weak", "radio-mikrotik-wireless")
    assert r.status is DeviceStatus.DEGRADED
    assert r.error == "weak link: SNR 11 dB"
    assert links(r, "radio_signal_dbm") == {"64:d1:54:00:aa:05": -79.0}
    assert (device(r, "radio_signal_dbm"), device(r, "radio_snr_db")) == (-79.0, 11.0)
    assert device(r, "radio_tx_capacity_bps") == 86700000.0


def test_mikrotik_access_point_without_stations_is_down(sim: Snmpsim) -> None:
    r = radio(sim, "rb-ap-idle", "radio-mikrotik-wireless")
    assert r.status is DeviceStatus.DOWN
    assert r.error == "radio link not associated"
    assert device(r, "radio_noise_dbm") == -101.0


def test_a_radio_without_readings_is_degraded_not_up(sim: Snmpsim) -> None:
    for community, profile in [
        ("rb-no-wireless", "radio-mikrotik-wireless"),
        ("rb-no-wireless", "radio-ubiquiti-airmax"),
        ("rb-no-wireless", "radio-cambium-epmp"),
    ]:
        r = radio(sim, community, profile)
        assert r.status is DeviceStatus.DEGRADED, (profile, r.status, r.error)
        assert r.error == "no radio readings", (profile, r.error)
        assert device(r, "sys_uptime_seconds") == 44556.0


def test_ubiquiti_access_point_three_stations(sim: Snmpsim) -> None:
    r = radio(sim, "ubnt-ap-three-stations", "radio-ubiquiti-airmax")
    assert r.status is DeviceStatus.UP, r.error
    snr = links(r, "radio_snr_db")  # ubntStaSignal - ubntStaNoiseFloor per station
    assert snr == {"24:a4:3c:55:00:11": 34.0, "24:a4:3c:55:00:22": 26.0, "24:a4:3c:55:00:33": 21.0}
    assert {x.labels["radio"] for x in r.readings if x.metric == "radio_snr_db" and x.labels} == {"2"}
    assert device(r, "radio_snr_db") == 21.0  # the worst station, not the radio's average signal - noise (29)
    assert device(r, "radio_signal_dbm") == -63.0
    assert device(r, "radio_noise_dbm") == -92.0
    assert device(r, "radio_stations") == 3.0 and device(r, "radio_link_up") == 1.0
    assert device(r, "radio_distance_meters") == 8800.0
    assert [x.text for x in r.readings if x.metric == "radio_peer_info"] == ["24:a4:3c:10:20:30"]


def test_ubiquiti_station_on_radio_3_weak_link(sim: Snmpsim) -> None:
    r = radio(sim, "ubnt-station-weak", "radio-ubiquiti-airmax")
    assert r.status is DeviceStatus.DEGRADED
    assert r.error == "weak link: SNR 9 dB"
    assert device(r, "radio_signal_dbm") == -81.0
    assert device(r, "radio_rx_capacity_bps") == 19500000.0


def test_cambium_access_point_two_subscriber_modules(sim: Snmpsim) -> None:
    r = radio(sim, "epmp-ap-two-sms", "radio-cambium-epmp")
    assert r.status is DeviceStatus.UP, r.error
    assert links(r, "radio_snr_db") == {"00:04:56:AA:01:02": 38.0, "00:04:56:AA:01:07": 24.0}
    assert links(r, "radio_signal_dbm") == {"00:04:56:AA:01:02": -55.0, "00:04:56:AA:01:07": -69.0}
    assert (device(r, "radio_snr_db"), device(r, "radio_signal_dbm")) == (24.0, -69.0)
    assert device(r, "radio_stations") == 2.0 and device(r, "radio_link_up") == 1.0
    assert device(r, "radio_distance_meters") == 6300.0


def test_cambium_subscriber_module(sim: Snmpsim) -> None:
    r = radio(sim, "epmp-sm-connected", "radio-cambium-epmp")
    assert r.status is DeviceStatus.UP, r.error
    assert (device(r, "radio_signal_dbm"), device(r, "radio_snr_db")) == (-63.0, 29.0)
    assert device(r, "radio_link_up") == 1.0
    assert device(r, "radio_distance_meters") == 4800.0
    assert device(r, "radio_link_quality_ratio") == 0.91
    assert [x.text for x in r.readings if x.metric == "radio_peer_info"] == ["00:04:56:AA:00:01"]
    state = next(x for x in r.readings if x.metric == "radio_registration_state")
    assert (state.value, state.text) == (3.0, "connected")
