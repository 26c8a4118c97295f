"""The call-recording rules on the real path: WAV files (dated with os.utime) in the recording server's two stores
-> a real `ccis agent` on that server -> a real `ccis serve` -> the shipped rules fire -> one mail (aiosmtpd) and
an internal ticket each (label `ticket`) -> the store put right resolves the alert and its ticket.

A day without extraction and a copy that stopped are made by dating the newest recordings 30 h and 56 h back, not
by waiting; then the archive disk is unmounted (its directory gone: "not available", never an empty healthy
store), then its mount point is left empty. Only the rules' `for` is shortened (tests/real_city.py).
SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.collectors.local_sources import wav
from tests.real_city import (
    NOC_CATEGORIES,
    Mailbox,
    after_sweeps,
    agent,
    alerts,
    fast_rules,
    mailed,
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
towns: [{{id: gulshan-e-iqbal, name: Gulshan-e-Iqbal}}]
categories:
{categories}
  - {{id: noc-recordings, name: Call recordings not kept twice, department: it, promised_hours: 24}}
sites:
  - id: cc-1339
    name: 1339 Call Centre
    kind: call_centre
    town: gulshan-e-iqbal
    agent_host: cc-1339-rec
    devices:
      - {{id: cc-1339-rec, kind: server, address: 127.0.0.1, name: Call recording server,
         collect: {{method: psutil, interval: 1,
                   stores: [{{name: primary, path: "{primary}"}}, {{name: archive, path: "{archive}"}}]}}}}
"""
RECORDING_RULES = (
    "recordings_not_extracted",
    "recording_store_behind",
    "recording_store_unavailable",
    "recording_store_empty",
)
HOUR = 3600.0


def firing_recordings(c: httpx.Client) -> set[tuple[str, str]]:
    """(rule, store) of the firing recording alerts."""
    return {(a["rule"], a["labels"]["store"]) for a in alerts(c, state="firing") if a["rule"] in RECORDING_RULES}


def fire_for(c: httpx.Client, mail: Mailbox, rule: str, store: str) -> dict:
    """Wait until ``rule`` fires for ``store`` and its notice has reached the mail server; returns the alert."""
    alert = wait_for(
        f"{rule} firing for {store}",
        lambda: next(
            (a for a in alerts(c, state="firing") if a["rule"] == rule and a["labels"].get("store") == store), None
        ),
    )
    wait_for(f"the mail announcing {rule} for {store}", lambda: mailed(c, mail, alert))
    return alert


def tickets(c: httpx.Client) -> list[dict]:
    internal = c.get("/api/v1/complaints", params={"channel": "internal", "limit": 200}).json()
    return [t for t in internal if t["category_id"] == "noc-recordings"]


def ticket_of(c: httpx.Client, alert: dict) -> dict | None:
    """The internal ticket the alert raised: it names the alert as its source and in its text."""
    for t in tickets(c):
        full = c.get(f"/api/v1/complaints/{t['tracking_number']}").json()
        if full["channel_data"].get("source_ref") == f"alert:{alert['id']}":
            assert f"NOC alert #{alert['id']} ({alert['rule']}, critical)" in full["description"]
            assert alert["annotations"]["summary"] in full["description"]
            return full
    return None


def stores(c: httpx.Client) -> dict[str, dict]:
    [site] = c.get("/api/v1/noc/hygiene", params={"site": "cc-1339"}).json()["sites"]
    return {r["store"]: r for r in site["recordings"]}


def test_recording_rules_fire_and_raise_a_ticket_each_until_the_store_is_put_right(
    db_url: str, tmp_path: Path, smtp
) -> None:
    inbox, smtp_port = smtp
    mail = Mailbox(inbox)
    primary, archive = tmp_path / "recordings", tmp_path / "mnt" / "archive"
    # The last daily extraction ran 30 h ago; the copy to the archive stopped a day before that.
    wav(primary / "2026" / "11" / "29" / "1339-0001.wav", 54 * HOUR)
    wav(primary / "2026" / "11" / "30" / "1339-0002.wav", 30 * HOUR)
    wav(archive / "2026" / "11" / "29" / "1339-0001.wav", 56 * HOUR)
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(INVENTORY.format(categories=NOC_CATEGORIES, primary=primary, archive=archive))
    env = server_env(db_url, inventory, fast_rules(tmp_path / "rules"), tmp_path, smtp_port)
    tokens = prepare(env, tmp_path, ["cc-1339"])
    agent_env = {"CCIS_STORES_SCAN_SECONDS": "1"}
    with (
        ccis_serve(env, tmp_path / "serve.log") as url,
        agent("cc-1339", url, tokens["cc-1339"], tmp_path / "agent", tmp_path / "agent.log", agent_env),
    ):
        c = staff(url)

        # 1. No extraction for 30 h, and the archive a day behind the primary store.
        late = {s: fire_for(c, mail, "recordings_not_extracted", s) for s in ("primary", "archive")}
        behind = fire_for(c, mail, "recording_store_behind", "archive")
        assert late["primary"]["annotations"]["summary"] == (
            "No call recording extracted into store primary on cc-1339-rec for 30 h"
        )
        assert behind["annotations"]["summary"] == "Recording store archive on cc-1339-rec is 26 h behind"
        assert firing_recordings(c) == {
            ("recordings_not_extracted", "primary"),
            ("recordings_not_extracted", "archive"),
            ("recording_store_behind", "archive"),
        }
        seen = stores(c)
        assert (seen["primary"]["files"], seen["archive"]["files"]) == (2, 1)
        raised = {
            a["id"]: wait_for(f"the ticket of {a['rule']}", lambda a=a: ticket_of(c, a))
            for a in [*late.values(), behind]
        }
        assert {t["assignee"] for t in raised.values()} == {"it-gulshan-e-iqbal"}
        assert {t["status"] for t in raised.values()} == {"assigned"}
        assert len({t["tracking_number"] for t in raised.values()}) == 3

        # Today's extraction runs and the copy catches up: the alerts resolve, and their tickets with them.
        wav(primary / "2026" / "12" / "01" / "1339-0003.wav", 60)
        wav(archive / "2026" / "11" / "30" / "1339-0002.wav", 30 * HOUR)
        wav(archive / "2026" / "12" / "01" / "1339-0003.wav", 30)
        for a in [*late.values(), behind]:
            recover(c, mail, a)
        wait_for(
            "their tickets resolved",
            lambda: (
                {t["tracking_number"]: t["status"] for t in tickets(c)}
                == {t["tracking_number"]: "resolved" for t in raised.values()}
            ),
        )
        assert stores(c)["archive"]["files"] == 3

        # 2. The archive disk is unmounted: its directory is gone. Not an empty store: not available, with why.
        away = tmp_path / "unmounted"
        archive.rename(away)
        gone = fire_for(c, mail, "recording_store_unavailable", "archive")
        assert gone["annotations"]["summary"] == "Recording store archive on cc-1339-rec cannot be read"
        seen = stores(c)["archive"]
        assert seen["available"] is False and seen["reason"] == f"not available: {archive} is not a directory"
        assert wait_for("the ticket of the unreadable store", lambda: ticket_of(c, gone))["status"] == "assigned"
        after_sweeps(c, 5)
        assert firing_recordings(c) == {("recording_store_unavailable", "archive")}
        away.rename(archive)
        recover(c, mail, gone)
        wait_for("its ticket resolved", lambda: ticket_of(c, gone)["status"] == "resolved")

        # 3. Mounted again but the disk did not come up: the mount point is an empty directory.
        archive.rename(away)
        archive.mkdir()
        empty = fire_for(c, mail, "recording_store_empty", "archive")
        assert empty["annotations"]["summary"] == "Recording store archive on cc-1339-rec holds no recordings"
        assert stores(c)["archive"]["files"] == 0
        assert wait_for("the ticket of the empty store", lambda: ticket_of(c, empty))["status"] == "assigned"
        archive.rmdir()
        away.rename(archive)
        recover(c, mail, empty)
        wait_for("its ticket resolved", lambda: ticket_of(c, empty)["status"] == "resolved")
        assert firing_recordings(c) == set()
        one_first_notice(mail)
