"""The workstation-hygiene rules on the real path: a real `ccis agent` reads this machine's real sources for its own
host (apt-get itself over an apt state given by APT_CONFIG, dpkg's log, a ClamAV database file with the real
header, smartctl's JSON from a stand-in on PATH: see tests/collectors/local_sources.py for why) -> a real
`ccis serve` -> the shipped rules fire -> one mail (aiosmtpd) -> the host patched, freshclam run and the disk
replaced resolve them. Old readings are made by dating the sources (file times, log lines, database headers), not
by waiting; only the rules' `for` is shortened (tests/real_city.py). SQLite and PostgreSQL.

First every source is absent (no package lists yet, no antivirus database, no smartctl): each is reported
"not available" with its reason, none counts as healthy, and only `antivirus_missing` fires.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.collectors.local_sources import apt_state, clamav_database, dpkg_log, replace, smartctl_stand_in
from tests.real_city import (
    NOC_CATEGORIES,
    Mailbox,
    after_sweeps,
    agent,
    alerts,
    fast_rules,
    fire,
    one_first_notice,
    prepare,
    recover,
    server_env,
    staff,
)
from tests.support import ccis_serve, wait_for

INVENTORY = """\
version: 1
city: {{code: KHI, name: Karachi}}
departments: [{{id: it, name: IT and NOC}}]
towns: [{{id: orangi, name: Orangi}}]
categories:
{categories}
sites:
  - id: town-orangi
    name: Orangi Town Office
    kind: town_office
    town: orangi
    agent_host: orangi-pc-01
    devices:
      - {{id: orangi-pc-01, kind: workstation, address: 127.0.0.1, name: Orangi counter PC,
         collect: {{method: psutil, interval: 1, hygiene: true}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-pc-01]}}}}
"""
HYGIENE_RULES = (
    "security_updates_pending",
    "patches_stale",
    "package_lists_stale",
    "antivirus_signatures_stale",
    "antivirus_missing",
    "disk_smart_failing",
)
DAY = 86400.0


def apt_root(root: Path, installed: dict[str, str], offered: dict[str, tuple[str, bool]], lists_age: float) -> Path:
    """An apt state whose package lists were downloaded ``lists_age`` seconds ago; returns its APT_CONFIG file."""
    conf = apt_state(root, installed, offered)
    when = datetime.now(UTC).timestamp() - lists_age
    for f in (root / "lists").glob("*_*"):
        os.utime(f, (when, when))  # apt dates each list file when it downloads it
    return conf


def hygiene(c: httpx.Client) -> dict:
    [site] = c.get("/api/v1/noc/hygiene", params={"site": "town-orangi"}).json()["sites"]
    [host] = site["hosts"]
    return host


def firing_hygiene(c: httpx.Client) -> set[str]:
    return {a["rule"] for a in alerts(c, state="firing") if a["rule"] in HYGIENE_RULES}


def test_hygiene_rules_fire_once_each_and_resolve_when_the_host_is_looked_after(
    db_url: str, tmp_path: Path, smtp
) -> None:
    inbox, smtp_port = smtp
    mail = Mailbox(inbox)
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(categories=NOC_CATEGORIES))
    env = server_env(db_url, inventory, fast_rules(tmp_path / "rules"), tmp_path, smtp_port)
    tokens = prepare(env, tmp_path, ["town-orangi"])

    # A fresh host: apt-get is there but its package lists were never downloaded, no ClamAV, no smartctl.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clamav = tmp_path / "clamav"
    clamav.mkdir()
    apt_config = tmp_path / "apt.conf"
    replace(apt_config, apt_state(tmp_path / "apt-new", {"libdemo1": "1.0"}, {}).read_bytes())
    for f in (tmp_path / "apt-new" / "lists").glob("*_*"):
        f.unlink()
    dpkg = tmp_path / "dpkg.log"
    # A real smartctl elsewhere on PATH would answer for this machine's disks: only the stand-in may answer.
    path = [d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "smartctl").exists()]
    agent_env = {
        "PATH": os.pathsep.join([str(bin_dir), *path]),
        "APT_CONFIG": str(apt_config),  # apt-get and apt-config themselves read this state
        "CCIS_DPKG_LOG": str(dpkg),
        "CCIS_CLAMAV_DB_DIR": str(clamav),
        "CCIS_HYGIENE_CHECK_SECONDS": "1",
    }
    with (
        ccis_serve(env, tmp_path / "serve.log") as url,
        agent("town-orangi", url, tokens["town-orangi"], tmp_path / "agent", tmp_path / "agent.log", agent_env),
    ):
        c = staff(url)

        def reported() -> dict | None:
            host = hygiene(c)
            checks = (host["os_updates"], host["antivirus"], host["disk_health"])
            return host if all(x["available"] is not None for x in checks) else None

        host = wait_for("the host's hygiene reported", reported, timeout=90)
        assert host["os_updates"] == {
            "available": False,
            "reason": f"not available: no package lists in {tmp_path / 'apt-new' / 'lists'} (apt-get update never ran)",
        }
        assert host["antivirus"] == {
            "available": False,
            "reason": f"not available: no antivirus signatures found (no ClamAV database in {clamav})",
        }
        assert host["disk_health"] == {"available": False, "reason": "not available: smartctl is not installed"}
        assert host["compliant"] == {"patches": False, "signatures": False}  # not available is never healthy
        missing = fire(c, mail, "antivirus_missing")
        assert missing["annotations"]["summary"] == "No antivirus signatures found on orangi-pc-01"
        after_sweeps(c, 5)
        assert firing_hygiene(c) == {"antivirus_missing"}  # an unread source raises no reading rule

        # The sources appear, each old: apt-get update ran 10 days ago and a security update has waited since
        # before the last upgrade 40 days ago; ClamAV's database was built 10 days ago; /dev/sda is failing.
        replace(dpkg, dpkg_log(tmp_path / "dpkg.log.old", datetime.now(UTC) - timedelta(days=40)).read_bytes())
        smartctl_stand_in(bin_dir, {"/dev/sda": (False, 2040)})
        old = clamav_database(tmp_path / "cvd" / "daily.cvd", datetime.now(UTC) - timedelta(days=10), version=27400)
        replace(clamav / "daily.cvd", old.read_bytes())
        stale = apt_root(
            tmp_path / "apt-stale",
            installed={"libdemo1": "1.0", "demo-tools": "2.0", "demo-current": "3.0"},
            offered={"libdemo1": ("1.0+deb12u1", True), "demo-tools": ("2.1", False), "demo-current": ("3.0", False)},
            lists_age=10 * DAY,
        )
        replace(apt_config, stale.read_bytes())

        fired = {rule: fire(c, mail, rule) for rule in HYGIENE_RULES if rule != "antivirus_missing"}
        # Resolved now; its recovery notice goes out with the group's, once the site's other alerts resolve too.
        wait_for("antivirus_missing resolved", lambda: "antivirus_missing" not in firing_hygiene(c))
        summaries = {rule: a["annotations"]["summary"] for rule, a in fired.items()}
        assert summaries == {
            "security_updates_pending": "1 security updates pending on orangi-pc-01 for 3 days",
            "patches_stale": "orangi-pc-01 has not been patched for 40 days while updates wait",
            "package_lists_stale": "Package lists on orangi-pc-01 are 10 days old",
            "antivirus_signatures_stale": "Antivirus signatures on orangi-pc-01 are 10.0 days old",
            "disk_smart_failing": "Disk /dev/sda on orangi-pc-01 fails its SMART self-assessment",
        }
        assert fired["disk_smart_failing"]["severity"] == "critical"
        host = hygiene(c)
        updates = host["os_updates"]
        assert (updates["available"], updates["pending"], updates["security"]) == (True, 2, 1)
        assert updates["security_names"] == "libdemo1"
        assert host["antivirus"]["version"] == "ClamAV daily.cvd version 27400"
        assert host["disk_health"] == {
            "available": True,
            "reason": None,
            "disks": [{"disk": "/dev/sda", "passed": False}],
        }
        assert host["compliant"] == {"patches": False, "signatures": False}

        # Looked after: apt-get update and upgrade ran now, freshclam wrote a daily.cld, the disk was replaced.
        smartctl_stand_in(bin_dir, {"/dev/sda": (True, 0)})
        fresh = clamav_database(tmp_path / "cld" / "daily.cld", datetime.now(UTC) - timedelta(hours=1), version=27440)
        replace(clamav / "daily.cld", fresh.read_bytes())
        replace(dpkg, dpkg_log(tmp_path / "dpkg.log.new", datetime.now(UTC)).read_bytes())
        patched = apt_root(
            tmp_path / "apt-patched",
            installed={"libdemo1": "1.0+deb12u1", "demo-tools": "2.1", "demo-current": "3.0"},
            offered={"libdemo1": ("1.0+deb12u1", True), "demo-tools": ("2.1", False), "demo-current": ("3.0", False)},
            lists_age=60,
        )
        replace(apt_config, patched.read_bytes())
        for alert in [*fired.values(), missing]:
            recover(c, mail, alert)
        host = hygiene(c)
        assert (host["os_updates"]["pending"], host["os_updates"]["security"]) == (0, 0)
        assert host["antivirus"]["version"] == "ClamAV daily.cld version 27440"
        assert host["compliant"] == {"patches": True, "signatures": True}
        assert firing_hygiene(c) == set()
        one_first_notice(mail)
