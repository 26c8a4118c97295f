"""Real sources for hygiene and recording tests: an apt state apt-get itself reads (through APT_CONFIG), a ClamAV
database file with the real header format, dpkg log lines, WAV files with chosen times, and a smartctl stand-in.

smartctl stands in because it cannot be the real one here: smartmontools is not installed on the test machines,
and where it is, their disks are virtual and answer no SMART, nor can a test make a disk fail. The stand-in is a
real executable on the agent's PATH that prints what smartctl 7.3 prints with ``--json`` (its own schema: device,
smart_status, ata_smart_attributes, temperature) and exits as smartctl does (bit 3 set when a disk is failing)."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

CLAMAV_HEADER = "ClamAV-VDB:{when}:{version}:2073566:90:{md5}:{dsig}:raynman:{epoch}"


def apt_state(root: Path, installed: dict[str, str], offered: dict[str, tuple[str, bool]]) -> Path:
    """An apt configuration over a private status file and package lists; returns the APT_CONFIG file.

    ``installed``: package -> version; ``offered``: package -> (newer version, from a security archive).
    """
    for sub in ("lists/partial", "dpkg", "cache/archives/partial", "sources.list.d", "etc"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conf = root / "apt.conf"
    conf.write_text(
        "\n".join(
            f'{key} "{root / value}";'
            for key, value in (
                ("Dir::State::status", "dpkg/status"),
                ("Dir::State::Lists", "lists/"),
                ("Dir::Etc::SourceList", "sources.list"),
                ("Dir::Etc::SourceParts", "sources.list.d/"),
                ("Dir::Etc::Preferences", "etc/preferences"),
                ("Dir::Etc::PreferencesParts", "etc/"),
                ("Dir::Etc::Trusted", "etc/trusted.gpg"),
                ("Dir::Etc::TrustedParts", "etc/"),
                ("Dir::Cache", "cache/"),
            )
        )
        + "\n"
    )
    lines = []
    for suite, label, security in (("demo", "Debian", False), ("demo-security", "Debian-Security", True)):
        lines.append(f"deb [trusted=yes] http://mirror.invalid/debian {suite} main")
        base = root / "lists" / f"mirror.invalid_debian_dists_{suite}"
        Path(f"{base}_Release").write_text(
            f"Origin: Debian\nLabel: {label}\nSuite: {'stable-security' if security else 'stable'}\n"
            f"Codename: {suite}\nVersion: 12\nArchitectures: amd64\nComponents: main\n"
            "Date: Tue, 01 Dec 2026 00:00:00 UTC\n"
        )
        stanzas = [
            f"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: CCIS <noc@ccis.example>\n"
            f"Filename: pool/main/{name}_{version}_all.deb\nSize: 1000\nDescription: {name}\n"
            for name, (version, sec) in offered.items()
            if sec == security
        ]
        Path(f"{base}_main_binary-amd64_Packages").write_text("\n".join(stanzas) + "\n" if stanzas else "")
    (root / "sources.list").write_text("\n".join(lines) + "\n")
    (root / "dpkg" / "status").write_text(
        "\n".join(
            f"Package: {name}\nStatus: install ok installed\nPriority: optional\nVersion: {version}\n"
            f"Architecture: all\nMaintainer: CCIS <noc@ccis.example>\nDescription: {name}\n"
            for name, version in installed.items()
        )
        + "\n"
    )
    return conf


def clamav_database(path: Path, built: datetime, version: int = 27430) -> Path:
    """A ClamAV database file with a real 512-byte header (the signatures after it are not needed to date it)."""
    header = CLAMAV_HEADER.format(
        when=built.strftime("%d %b %Y %H-%M %z"),
        version=version,
        md5="4c1f5b0e8b7f1c0d2a9e3b6f7d8c9a01",
        dsig="X" * 86,
        epoch=int(built.timestamp()),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode("ascii").ljust(512, b" ") + b"\x1f\x8b" + b"\0" * 64)
    return path


def dpkg_log(path: Path, last_upgrade: datetime) -> Path:
    """A dpkg log whose last upgrade happened at ``last_upgrade`` (local time, as dpkg writes it)."""
    stamp = last_upgrade.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    path.write_text(
        f"{stamp} startup archives unpack\n"
        f"{stamp} upgrade libc6:amd64 2.36-9+deb12u7 2.36-9+deb12u9\n"
        f"{stamp} status installed libc6:amd64 2.36-9+deb12u9\n"
        f"{stamp} startup packages configure\n"
    )
    return path


def wav(path: Path, age_seconds: float) -> Path:
    """A (tiny) WAV recording whose modification time is ``age_seconds`` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF$\0\0\0WAVEfmt ")
    t = time.time() - age_seconds
    os.utime(path, (t, t))
    return path


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


SMARTCTL = """#!{python}
# smartctl stand-in: prints smartctl 7.3's --json output for the disks in smartctl-disks.json beside it.
import json, sys
from pathlib import Path

disks = json.loads((Path(__file__).parent / "smartctl-disks.json").read_text())
head = {{"json_format_version": [1, 0], "smartctl": {{"version": [7, 3], "svn_revision": "5338",
        "platform_info": "x86_64-linux", "build_info": "(local build)", "argv": ["smartctl", *sys.argv[1:]]}}}}
args = sys.argv[1:]
if "--scan" in args:
    devices = [{{"name": n, "info_name": n + " [SAT]", "type": "sat", "protocol": "ATA"}} for n in disks]
    head["smartctl"]["exit_status"] = 0
    print(json.dumps({{**head, "devices": devices}}))
    sys.exit(0)
name = args[-1]
if name not in disks:
    head["smartctl"]["exit_status"] = 2
    head["smartctl"]["messages"] = [{{"string": "Smartctl open device: " + name + " failed: No such device",
                                     "severity": "error"}}]
    print(json.dumps(head))
    sys.exit(2)
d = disks[name]
status = 0 if d["passed"] else 8  # bit 3: SMART status check returned "DISK FAILING"
head["smartctl"]["exit_status"] = status
print(json.dumps({{**head,
    "device": {{"name": name, "info_name": name + " [SAT]", "type": "sat", "protocol": "ATA"}},
    "smart_status": {{"passed": d["passed"]}},
    "ata_smart_attributes": {{"revision": 16, "table": [
        {{"id": 5, "name": "Reallocated_Sector_Ct", "value": 100 if d["passed"] else 1, "worst": 1, "thresh": 10,
         "when_failed": "" if d["passed"] else "now", "raw": {{"value": d["reallocated"],
         "string": str(d["reallocated"])}}}},
        {{"id": 194, "name": "Temperature_Celsius", "value": 59, "worst": 45, "thresh": 0, "when_failed": "",
         "raw": {{"value": 41, "string": "41"}}}}]}},
    "temperature": {{"current": 41}}}}))
sys.exit(status)
"""


def replace(path: Path, data: bytes) -> Path:
    """Write ``path`` whole at once (a reader never sees half a file), as package managers and freshclam do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
    return path


def smartctl_stand_in(bin_dir: Path, disks: dict[str, tuple[bool, int]]) -> Path:
    """Put (or update) the smartctl stand-in in ``bin_dir``: disk name -> (passes SMART, reallocated sectors)."""
    state = {name: {"passed": ok, "reallocated": n} for name, (ok, n) in disks.items()}
    replace(bin_dir / "smartctl-disks.json", json.dumps(state).encode())
    tool = bin_dir / "smartctl"
    if not tool.exists():
        part = bin_dir / "smartctl.part"
        part.write_text(SMARTCTL.format(python=sys.executable))
        part.chmod(0o755)
        os.replace(part, tool)
    return tool
