"""Workstation hygiene of the agent's own host: pending OS updates, antivirus signature age, disk health.

Each source is read where the agent runs and only there: apt's own state (``apt-get -s dist-upgrade`` against the
package lists already on disk: no network), dpkg's log for when updates were last applied, ClamAV's database
header, smartctl when it is installed. A source that is missing is reported as ``check_available=0`` with the
reason ("not available: ..."), never as healthy. Reading gathers plain facts (counts and epoch times); turning them
into readings at a given ``now`` is pure, so a fact gathered an hour ago still yields a correct age.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from collectors.readings import Reading

APT_LISTS = Path("/var/lib/apt/lists")
DPKG_LOG = Path("/var/log/dpkg.log")
DPKG_STATUS = Path("/var/lib/dpkg/status")
CLAMAV_DIR = Path("/var/lib/clamav")
COMMAND_TIMEOUT = 300.0  # apt-get -s takes seconds to tens of seconds on a busy host
_INST = re.compile(r"^Inst (\S+) (?:\[(\S+)\] )?\((\S+) (.*?) \[[^\]]*\]\)")
_DPKG_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:upgrade|install|status installed) ")


@dataclass(frozen=True)
class Unavailable:
    """A source that could not be read, and why."""

    reason: str


@dataclass(frozen=True)
class Updates:
    pending: int
    security: int
    security_names: tuple[str, ...] = ()
    lists_refreshed_at: float | None = None  # when the package lists were last downloaded (epoch)
    applied_at: float | None = None  # when a package was last installed or upgraded (epoch)


@dataclass(frozen=True)
class Signatures:
    engine: str
    database: str  # "daily.cld"
    version: int
    built_at: float  # epoch of the newest database's build


@dataclass(frozen=True)
class Disk:
    name: str
    passed: bool
    temperature: float | None = None
    reallocated: float | None = None


@dataclass(frozen=True)
class Hygiene:
    updates: Updates | Unavailable
    antivirus: Signatures | Unavailable
    disks: list[Disk] | Unavailable = field(default_factory=list)


# -- parsing (pure) ---------------------------------------------------------------------------------------------


def parse_simulation(text: str) -> tuple[int, list[str]]:
    """(updates pending, security updates' package names) from ``apt-get -s`` output."""
    pending, security = 0, []
    for line in text.splitlines():
        m = _INST.match(line)
        if not m:
            continue
        pending += 1
        if "security" in m.group(4).lower():  # origin "Debian-Security:12/stable-security" (or Ubuntu's -security)
            security.append(m.group(1))
    return pending, security


def parse_clamav_header(head: bytes) -> tuple[int, float]:
    """(version, build epoch) from a ClamAV .cvd/.cld header; ValueError when it is not one.

    The header is 512 ASCII bytes: ``ClamAV-VDB:<build time>:<version>:<signatures>:<level>:<md5>:<dsig>:
    <builder>:<build epoch>``, space padded.
    """
    parts = head[:512].decode("ascii", "replace").rstrip(" \x00").split(":")
    if len(parts) < 4 or parts[0] != "ClamAV-VDB":
        raise ValueError("not a ClamAV database header")
    version = int(parts[2])
    if len(parts) >= 9 and parts[8].strip().isdigit():
        return version, float(parts[8].strip())
    return version, datetime.strptime(parts[1].strip(), "%d %b %Y %H-%M %z").timestamp()


def parse_dpkg_log(text: str) -> float | None:
    """Epoch (host local time) of the last install or upgrade in a dpkg log, None when there is none."""
    last = None
    for line in text.splitlines():
        m = _DPKG_LINE.match(line)
        if m:
            last = m.group(1)
    return datetime.strptime(last, "%Y-%m-%d %H:%M:%S").timestamp() if last else None


def parse_smart(doc: dict) -> Disk:
    """One disk from ``smartctl -j -H -A`` output."""
    name = str(doc.get("device", {}).get("name", "?"))
    passed = bool(doc.get("smart_status", {}).get("passed", False))
    temp = doc.get("temperature", {}).get("current")
    realloc = None
    for attr in doc.get("ata_smart_attributes", {}).get("table", []):
        if attr.get("id") == 5:  # Reallocated_Sector_Ct
            realloc = float(attr.get("raw", {}).get("value", 0))
    return Disk(name, passed, float(temp) if temp is not None else None, realloc)


# -- reading the host -------------------------------------------------------------------------------------------


async def _run(*argv: str, timeout: float = COMMAND_TIMEOUT) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "LC_ALL": "C"},
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode("utf-8", "replace")


def _newest_mtime(paths: list[Path]) -> float | None:
    times = []
    for p in paths:
        try:
            times.append(p.stat().st_mtime)
        except OSError:
            continue
    return max(times) if times else None


async def _apt_dirs(apt_get: str) -> tuple[Path, Path]:
    """apt's own lists folder and dpkg status file (APT_CONFIG and apt.conf respected), or the defaults."""
    config = str(Path(apt_get).with_name("apt-config"))
    try:
        _, out = await _run(
            config, "shell", "LISTS", "Dir::State::lists/d", "STATUS", "Dir::State::status/f", timeout=30
        )
    except (OSError, TimeoutError):
        return APT_LISTS, DPKG_STATUS
    found = dict(re.findall(r"^(LISTS|STATUS)='([^']*)'$", out, re.M))
    return Path(found.get("LISTS") or APT_LISTS), Path(found.get("STATUS") or DPKG_STATUS)


async def read_updates(apt_get: str | None = None, dpkg_log: Path = DPKG_LOG) -> Updates | Unavailable:
    """Pending updates from apt's simulation over the lists on disk, and when updates were last applied."""
    apt_get = apt_get or shutil.which("apt-get")
    if not apt_get:
        return Unavailable("not available: no apt-get on this host")
    # Without package lists (apt-get update never ran, or they were deleted, as minimal images do) or without
    # dpkg's status, apt-get -s answers "0 upgraded": a healthy-looking zero that knows nothing.
    lists, status = await _apt_dirs(apt_get)
    releases = [*lists.glob("*InRelease"), *lists.glob("*_Release")]
    if not releases:
        return Unavailable(f"not available: no package lists in {lists} (apt-get update never ran)")
    if not status.is_file():
        return Unavailable(f"not available: no dpkg status at {status}")
    try:
        code, out = await _run(apt_get, "-s", "-q", "-o", "Debug::NoLocking=1", "dist-upgrade")
    except (OSError, TimeoutError) as exc:
        return Unavailable(f"not available: apt-get -s failed ({type(exc).__name__})")
    if code != 0:
        return Unavailable(f"not available: apt-get -s exited {code}")
    pending, security = parse_simulation(out)
    refreshed = _newest_mtime(releases)
    try:
        applied = parse_dpkg_log(dpkg_log.read_text(errors="replace"))
    except OSError:
        applied = None
    if applied is None:  # no log (rotated away, or a minimal system): dpkg's status changes with every install
        applied = _newest_mtime([status])
    return Updates(pending, len(security), tuple(security[:8]), refreshed, applied)


def read_signatures(db_dir: Path = CLAMAV_DIR) -> Signatures | Unavailable:
    """The newest ClamAV daily database's build time (the .cld that freshclam updates, else the .cvd)."""
    best: Signatures | None = None
    problems = []
    for name in ("daily.cld", "daily.cvd"):
        path = db_dir / name
        try:
            with path.open("rb") as f:
                version, built = parse_clamav_header(f.read(512))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            problems.append(f"{name}: {exc}")
            continue
        if best is None or built > best.built_at:
            best = Signatures("ClamAV", name, version, built)
    if best is not None:
        return best
    if problems:
        return Unavailable("not available: unreadable ClamAV database (" + "; ".join(problems) + ")")
    return Unavailable(f"not available: no antivirus signatures found (no ClamAV database in {db_dir})")


async def read_disks(smartctl: str | None = None) -> list[Disk] | Unavailable:
    """SMART health of every disk smartctl can see."""
    smartctl = smartctl or shutil.which("smartctl")
    if not smartctl:
        return Unavailable("not available: smartctl is not installed")
    try:
        _, out = await _run(smartctl, "--scan", "-j", timeout=30)
        names = [d["name"] for d in json.loads(out or "{}").get("devices", []) if d.get("name")]
    except (OSError, TimeoutError, ValueError, KeyError, TypeError):
        return Unavailable("not available: smartctl --scan failed")
    disks = []
    for name in names:
        try:
            _, out = await _run(smartctl, "-j", "-H", "-A", name, timeout=30)
            doc = json.loads(out)
        except (OSError, TimeoutError, ValueError):
            continue
        if "smart_status" in doc:  # absent when the disk could not be opened (no permission, virtual disk)
            disks.append(parse_smart(doc))
    return disks or Unavailable("not available: no disk answered SMART")


async def read_hygiene(env: dict[str, str] | None = None) -> Hygiene:
    """Every hygiene source of this host; ``CCIS_CLAMAV_DB_DIR`` and ``CCIS_DPKG_LOG`` move the defaults."""
    env = env or {}
    clamav = Path(env.get("CCIS_CLAMAV_DB_DIR") or CLAMAV_DIR)
    dpkg_log = Path(env.get("CCIS_DPKG_LOG") or DPKG_LOG)
    updates = await read_updates(dpkg_log=dpkg_log)
    signatures = await asyncio.to_thread(read_signatures, clamav)
    return Hygiene(updates, signatures, await read_disks())


# -- readings (pure) --------------------------------------------------------------------------------------------


def _available(check: str, source: object) -> Reading:
    if isinstance(source, Unavailable):
        return Reading(metric="check_available", value=0.0, labels={"check": check}, text=source.reason[:200])
    return Reading(metric="check_available", value=1.0, labels={"check": check})


def hygiene_readings(h: Hygiene, now: float) -> list[Reading]:
    """Readings of ``h`` at ``now`` (epoch seconds): ages are counted to now, not to when the facts were read."""
    out = [
        _available("os_updates", h.updates),
        _available("antivirus", h.antivirus),
        _available("disk_health", h.disks),
    ]
    u = h.updates
    if isinstance(u, Updates):
        out.append(Reading(metric="host_pending_updates", value=float(u.pending)))
        text = ", ".join(u.security_names)[:200] or None
        out.append(Reading(metric="host_pending_security_updates", value=float(u.security), text=text))
        if u.lists_refreshed_at is not None:
            age = max(0.0, now - u.lists_refreshed_at)
            out.append(Reading(metric="host_package_lists_age_seconds", value=age, unit="seconds"))
        if u.applied_at is not None:
            age = max(0.0, now - u.applied_at)
            out.append(Reading(metric="host_updates_applied_age_seconds", value=age, unit="seconds"))
            # how long updates have waited, at most, since the host was last patched (0 when none waits)
            lag = age if u.pending else 0.0
            out.append(Reading(metric="host_patch_lag_seconds", value=lag, unit="seconds"))
    a = h.antivirus
    if isinstance(a, Signatures):
        out.append(
            Reading(
                metric="host_antivirus_age_seconds",
                value=max(0.0, now - a.built_at),
                unit="seconds",
                text=f"{a.engine} {a.database} version {a.version}",
            )
        )
    if isinstance(h.disks, list):
        for d in h.disks:
            labels = {"disk": d.name}
            out.append(Reading(metric="host_disk_smart_ok", value=1.0 if d.passed else 0.0, labels=labels))
            if d.temperature is not None:
                out.append(Reading(metric="host_disk_temperature_celsius", value=d.temperature, labels=labels))
            if d.reallocated is not None:
                out.append(Reading(metric="host_disk_reallocated_sectors", value=d.reallocated, labels=labels))
    return out
