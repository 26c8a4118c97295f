"""Workstation hygiene from real sources: apt-get over an apt state it reads through APT_CONFIG (and over this
machine's own), a ClamAV database with the real header, dpkg's log, smartctl's absence, and WAV stores."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors import hygiene
from collectors.hygiene import Unavailable, Updates, hygiene_readings, parse_clamav_header, parse_smart
from collectors.recordings import recording_readings, scan_store
from collectors.run import Collectors
from collectors.spec import DeviceSpec, Store
from tests.collectors.local_sources import apt_state, clamav_database, dpkg_log, wav


def by_metric(readings: list) -> dict:
    return {(r.metric, tuple(sorted(r.labels.items()))): r for r in readings}


def test_pending_and_security_updates_from_apt_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = apt_state(
        tmp_path / "apt",
        installed={"libdemo1": "1.0", "demo-tools": "2.0", "demo-current": "3.0"},
        offered={"libdemo1": ("1.0+deb12u1", True), "demo-tools": ("2.1", False), "demo-current": ("3.0", False)},
    )
    monkeypatch.setenv("APT_CONFIG", str(conf))
    log = dpkg_log(tmp_path / "dpkg.log", datetime.now(UTC) - timedelta(days=40))
    u = asyncio.run(hygiene.read_updates(dpkg_log=log))
    assert isinstance(u, Updates)
    assert (u.pending, u.security, u.security_names) == (2, 1, ("libdemo1",))
    assert u.lists_refreshed_at == pytest.approx((tmp_path / "apt" / "lists").stat().st_mtime, abs=5)
    now = time.time()
    got = by_metric(hygiene_readings(hygiene.Hygiene(u, Unavailable("x"), Unavailable("y")), now))
    assert got[("host_pending_updates", ())].value == 2
    assert got[("host_pending_security_updates", ())].text == "libdemo1"
    assert got[("host_updates_applied_age_seconds", ())].value == pytest.approx(40 * 86400, abs=60)
    assert got[("host_patch_lag_seconds", ())].value == pytest.approx(40 * 86400, abs=60)


def test_this_machines_own_apt_state_is_read() -> None:
    u = asyncio.run(hygiene.read_updates())
    assert isinstance(u, Updates), u  # a Debian machine: apt-get and its lists are there
    assert u.pending >= u.security >= 0 and u.applied_at is not None


def test_no_package_manager_is_not_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    u = asyncio.run(hygiene.read_updates())
    assert isinstance(u, Unavailable) and u.reason.startswith("not available")
    got = by_metric(hygiene_readings(hygiene.Hygiene(u, Unavailable("not available: x"), []), time.time()))
    assert got[("check_available", (("check", "os_updates"),))].value == 0
    assert got[("check_available", (("check", "os_updates"),))].text.startswith("not available")
    assert not any(m.startswith("host_pending") for m, _ in got)  # never a healthy-looking zero


def test_apt_without_lists_or_status_is_not_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """apt-get -s over no package lists (a minimal image removes them) or no dpkg status says "0 upgraded"."""
    conf = apt_state(tmp_path / "apt", installed={"libdemo1": "1.0"}, offered={"libdemo1": ("1.0+deb12u1", True)})
    monkeypatch.setenv("APT_CONFIG", str(conf))
    (tmp_path / "apt" / "dpkg" / "status").unlink()
    u = asyncio.run(hygiene.read_updates())
    assert u == Unavailable(f"not available: no dpkg status at {tmp_path / 'apt' / 'dpkg' / 'status'}")
    for f in (tmp_path / "apt" / "lists").glob("*_*"):
        f.unlink()
    u = asyncio.run(hygiene.read_updates())
    lists = tmp_path / "apt" / "lists"
    assert u == Unavailable(f"not available: no package lists in {lists} (apt-get update never ran)")


def test_clamav_signature_age_from_the_database_header(tmp_path: Path) -> None:
    built = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    clamav_database(tmp_path / "clamav" / "daily.cvd", built - timedelta(days=30), version=27400)
    clamav_database(tmp_path / "clamav" / "daily.cld", built, version=27430)
    sig = hygiene.read_signatures(tmp_path / "clamav")
    assert (sig.database, sig.version, sig.built_at) == ("daily.cld", 27430, built.timestamp())
    [age] = [
        r for r in hygiene_readings(hygiene.Hygiene(Unavailable("-"), sig, []), time.time()) if "antivirus" in r.metric
    ]
    assert age.value == pytest.approx(10 * 86400, abs=60) and age.text == "ClamAV daily.cld version 27430"
    # the header's own build time when the epoch field is missing (old databases)
    assert parse_clamav_header(b"ClamAV-VDB:16 Mar 2016 23-17 +0000:57:4218790:60".ljust(512)) == (
        57,
        datetime(2016, 3, 16, 23, 17, tzinfo=UTC).timestamp(),
    )


def test_no_or_broken_antivirus_is_not_available(tmp_path: Path) -> None:
    missing = hygiene.read_signatures(tmp_path / "none")
    assert isinstance(missing, Unavailable) and "no antivirus signatures found" in missing.reason
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "daily.cld").write_bytes(b"\x00" * 600)
    broken = hygiene.read_signatures(tmp_path / "bad")
    assert isinstance(broken, Unavailable) and "unreadable ClamAV database" in broken.reason


def test_disk_health_without_smartctl_is_not_available(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    disks = asyncio.run(hygiene.read_disks())
    assert isinstance(disks, Unavailable) and disks.reason == "not available: smartctl is not installed"


def test_smartctl_json_is_read() -> None:
    doc = json.loads(
        """{"json_format_version": [1, 0], "smartctl": {"version": [7, 3], "exit_status": 0},
            "device": {"name": "/dev/sda", "info_name": "/dev/sda [SAT]", "type": "sat", "protocol": "ATA"},
            "smart_status": {"passed": false},
            "ata_smart_attributes": {"revision": 16, "table": [
                {"id": 5, "name": "Reallocated_Sector_Ct", "value": 90, "raw": {"value": 112, "string": "112"}},
                {"id": 194, "name": "Temperature_Celsius", "value": 64, "raw": {"value": 36, "string": "36"}}]},
            "temperature": {"current": 36}}"""
    )
    disk = parse_smart(doc)
    assert (disk.name, disk.passed, disk.temperature, disk.reallocated) == ("/dev/sda", False, 36.0, 112.0)


def test_recording_stores_count_age_and_lag(tmp_path: Path) -> None:
    wav(tmp_path / "primary" / "2026" / "12" / "01" / "call-1.wav", 3600)
    wav(tmp_path / "primary" / "2026" / "12" / "01" / "CALL-2.WAV", 7200)
    (tmp_path / "primary" / "index.txt").write_text("not a recording")
    wav(tmp_path / "archive" / "2026" / "11" / "29" / "call-0.wav", 50 * 3600)
    (tmp_path / "empty").mkdir()
    facts = [
        scan_store(Store(name="primary", path=str(tmp_path / "primary"))),
        scan_store(Store(name="archive", path=str(tmp_path / "archive"))),
        scan_store(Store(name="empty", path=str(tmp_path / "empty"))),
        scan_store(Store(name="gone", path=str(tmp_path / "not-mounted"))),
    ]
    got = by_metric(recording_readings(facts, time.time()))
    store = lambda name: (("store", name),)  # noqa: E731
    assert got[("recording_files", store("primary"))].value == 2
    assert got[("recording_newest_age_seconds", store("primary"))].value == pytest.approx(3600, abs=30)
    assert got[("recording_store_lag_seconds", store("primary"))].value == 0
    assert got[("recording_store_lag_seconds", store("archive"))].value == pytest.approx(49 * 3600, abs=30)
    assert got[("recording_files", store("empty"))].value == 0
    assert ("recording_newest_age_seconds", store("empty")) not in got
    gone = got[("recording_store_available", store("gone"))]
    assert gone.value == 0 and gone.text.startswith("not available")


def test_the_agents_host_collection_carries_hygiene_and_stores(tmp_path: Path) -> None:
    wav(tmp_path / "primary" / "a.wav", 60)
    clamav_database(tmp_path / "clamav" / "daily.cld", datetime.now(UTC) - timedelta(days=1))
    spec = DeviceSpec.model_validate(
        {
            "id": "rec-1",
            "site": "cc",
            "kind": "server",
            "address": "127.0.0.1",
            "collect": {
                "method": "psutil",
                "hygiene": True,
                "stores": [{"name": "primary", "path": str(tmp_path / "primary")}],
            },
        }
    )

    async def cycles() -> dict:
        c = Collectors(env={"CCIS_CLAMAV_DB_DIR": str(tmp_path / "clamav")})
        try:
            deadline = time.monotonic() + 120
            while True:  # the first cycle starts the background checks; later cycles carry their results
                got = by_metric((await c.collect(spec)).readings)
                if ("check_available", (("check", "os_updates"),)) in got and (
                    "recording_files",
                    (("store", "primary"),),
                ) in got:
                    return got
                assert time.monotonic() < deadline, "hygiene never arrived"
                await asyncio.sleep(0.2)
        finally:
            await c.aclose()

    got = asyncio.run(cycles())
    assert got[("host_antivirus_age_seconds", ())].value == pytest.approx(86400, abs=120)
    assert got[("recording_files", (("store", "primary"),))].value == 1
    assert got[("collector_up", (("collector", "psutil"),))].value == 1
