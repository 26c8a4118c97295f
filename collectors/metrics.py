"""The metric names collectors emit: one catalogue, used by collectors, the NOC, /metrics and alert rules.

Units follow Prometheus conventions (base units, `_ratio` for 0..1, `_seconds`, `_bytes`). Enumerations keep the
MIB's numeric codes so they can be compared in rules (and the text in `Reading.text`).
"""

from __future__ import annotations

# name: (unit, help)
CATALOGUE: dict[str, tuple[str, str]] = {
    # Every collection
    "collector_up": ("", "1 when the collector reached the device, 0 when it did not (error in text)"),
    "collector_duration_seconds": ("seconds", "time one collection of the device took"),
    "reachable": ("", "1 when a probe (tcp/http/icmp) reached the device"),
    "probe_rtt_seconds": ("seconds", "round-trip time of a reachability probe"),
    "probe_loss_ratio": ("ratio", "share of probe attempts lost in the cycle"),
    "http_status_code": ("", "HTTP status of an http probe"),
    "sys_uptime_seconds": ("seconds", "sysUpTime or host uptime; a drop means a reboot"),
    # Host (psutil, HOST-RESOURCES-MIB)
    "host_cpu_ratio": ("ratio", "CPU busy share"),
    "host_load1": ("", "1-minute load average"),
    "host_memory_used_ratio": ("ratio", "memory in use"),
    "host_disk_used_ratio": ("ratio", "disk use per mount (label mount)"),
    "host_net_errors_total": ("", "network interface errors, in+out (label interface)"),
    "host_process_up": ("", "1 when a required process runs (label process)"),
    # Workstation hygiene of the agent's own host (collectors.hygiene)
    "check_available": ("", "1 when a hygiene source could be read (label check), 0 'not available' (reason in text)"),
    "host_pending_updates": ("", "OS updates pending (apt's simulation over the package lists on disk)"),
    "host_pending_security_updates": ("", "of those, updates from a security archive (text: some of their names)"),
    "host_package_lists_age_seconds": ("seconds", "time since the package lists were last refreshed"),
    "host_updates_applied_age_seconds": ("seconds", "time since a package was last installed or upgraded"),
    "host_patch_lag_seconds": ("seconds", "time since the host was last patched while updates wait (0: none wait)"),
    "host_antivirus_age_seconds": ("seconds", "age of the antivirus signatures (text: engine, database, version)"),
    "host_disk_smart_ok": ("", "1 when the disk's SMART self-assessment passed (label disk)"),
    "host_disk_temperature_celsius": ("celsius", "disk temperature from SMART (label disk)"),
    "host_disk_reallocated_sectors": ("", "reallocated sectors from SMART (label disk)"),
    # Call-recording stores (collectors.recordings)
    "recording_store_available": ("", "1 when the store's directory could be read (label store)"),
    "recording_files": ("", "WAV recordings in the store (label store)"),
    "recording_newest_age_seconds": ("seconds", "age of the newest recording in the store (label store)"),
    "recording_store_lag_seconds": ("seconds", "how far the store's newest recording is behind the freshest store's"),
    # UPS (RFC 1628 UPS-MIB, NUT)
    "ups_output_source": ("", "upsOutputSource: 1 other, 2 none, 3 normal, 4 bypass, 5 battery, 6 booster, 7 reducer"),
    "ups_on_battery": ("", "1 when the load runs on battery"),
    "ups_battery_status": ("", "upsBatteryStatus: 1 unknown, 2 normal, 3 low, 4 depleted"),
    "ups_battery_low": ("", "1 when the battery is low or depleted"),
    "ups_battery_minutes_remaining": ("minutes", "estimated runtime left"),
    "ups_battery_charge_ratio": ("ratio", "battery charge"),
    "ups_seconds_on_battery": ("seconds", "time since switching to battery (0 on mains)"),
    "ups_input_voltage_volts": ("volts", "input voltage"),
    "ups_output_voltage_volts": ("volts", "output voltage"),
    "ups_load_ratio": ("ratio", "output load"),
    # Switches and routers (IF-MIB, CLI)
    "if_oper_up": ("", "ifOperStatus is up (label interface)"),
    "if_admin_up": ("", "ifAdminStatus is up (label interface)"),
    "if_in_bits_per_second": ("bits/s", "inbound rate from 64-bit counters (label interface)"),
    "if_out_bits_per_second": ("bits/s", "outbound rate (label interface)"),
    "if_errors_per_second": ("1/s", "in+out errors rate (label interface)"),
    "if_in_errors_total": ("", "inbound errors counted by the device since its counters started (label interface)"),
    "if_out_errors_total": ("", "outbound errors counted by the device (label interface)"),
    "if_discards_per_second": ("1/s", "in+out discards rate (label interface)"),
    # Radios (vendor profiles)
    "radio_link_up": ("", "1 when the wireless link is associated"),
    "radio_signal_dbm": ("dBm", "received signal"),
    "radio_noise_dbm": ("dBm", "noise floor"),
    "radio_snr_db": ("dB", "signal-to-noise ratio"),
    "radio_link_quality_ratio": ("ratio", "CCQ or link quality"),
    "radio_tx_capacity_bps": ("bits/s", "transmit capacity or rate"),
    "radio_rx_capacity_bps": ("bits/s", "receive capacity or rate"),
    "radio_distance_meters": ("meters", "link distance"),
    "radio_stations": ("", "stations associated with an access point or station"),
    "radio_registration_state": ("", "vendor registration state code (text has its meaning)"),
    "radio_peer_info": ("", "always 1; text is the peer (access point) MAC"),
    # radio readings are reported per link (labels station/interface/radio) and once for the device: its worst link
    "if_count": ("", "interfaces seen in the table"),
    "device_rebooted": ("", "1 when uptime went backwards since the last collection"),
    # NUT
    "ups_status_flags": ("", "always 1; text is NUT's ups.status (OL, OB, LB, ...)"),
    # The agent itself
    "agent_outbox_depth": ("", "reports waiting in the outbox"),
    "agent_outbox_dropped_total": ("", "raw readings dropped because the disk budget was full"),
    "agent_last_send_age_seconds": ("seconds", "time since the last acknowledged send"),
    "agent_collector_errors_total": ("", "collection errors (label collector)"),
    "agent_cycle_seconds": ("seconds", "time one device's collection took in the agent (label device)"),
    "agent_rejected_total": ("", "reports the NOC rejected (moved aside, not resent)"),
}
