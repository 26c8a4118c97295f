"""The power rules on the real path: NUT dummy-ups -> a real `ccis agent` -> a real `ccis serve` -> the shipped
rules fire -> one mail (aiosmtpd) -> power back resolves them. Then the UPS's management card stops answering:
the switch and the PC it powers still answer, so it is no power cut (no outage, no ticket, channel up).
SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from pathlib import Path

from tests.collectors.conftest import DATA
from tests.peers import DUMMY_UPS_ON_BATTERY_LOW, DUMMY_UPS_ON_LINE, nut, snmpsim
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
credentials:
  - {{id: c-sw, kind: snmp_v2c, community_env: CCIS_TEST_SW_COMMUNITY}}
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
      - {{id: orangi-ups, kind: ups, address: 127.0.0.1,
         collect: {{method: nut, ups: testups, port: {nut}, interval: 1}}}}
      - {{id: orangi-sw, kind: switch, address: 127.0.0.1, depends_on: [orangi-ups],
         collect: {{method: snmp, profile: if-mib, credential: c-sw, port: {snmp}, interval: 1}}}}
      - {{id: orangi-pc-01, kind: workstation, address: 127.0.0.1, depends_on: [orangi-sw, orangi-ups],
         collect: {{method: psutil, interval: 1}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-sw, orangi-pc-01]}}}}
"""


def switch_recording(dest: Path) -> None:
    """The 24-port switch recording with its uplink Gi0/24 up (the rules read port names, not indexes)."""
    text = (DATA / "switch24.snmprec").read_text()
    (dest / "switch.snmprec").write_text(text.replace("1.3.6.1.2.1.2.2.1.8.24|2|2", "1.3.6.1.2.1.2.2.1.8.24|2|1"))


def test_power_rules_fire_once_and_a_silent_ups_card_is_no_power_cut(db_url: str, tmp_path: Path, smtp) -> None:
    inbox, smtp_port = smtp
    mail = Mailbox(inbox)
    data = tmp_path / "snmp"
    data.mkdir()
    switch_recording(data)
    card = contextlib.ExitStack()
    with card, snmpsim(data, tmp_path / "snmpsim", "switch") as sim:
        ups = card.enter_context(nut(tmp_path))
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text(INVENTORY.format(categories=NOC_CATEGORIES, nut=ups.port, snmp=sim.port))
        env = server_env(db_url, inventory, fast_rules(tmp_path / "rules"), tmp_path, smtp_port)
        tokens = prepare(env, tmp_path, ["town-orangi"])
        agent_env = {"CCIS_TEST_SW_COMMUNITY": "switch"}
        with (
            ccis_serve(env, tmp_path / "serve.log") as url,
            agent("town-orangi", url, tokens["town-orangi"], tmp_path / "agent", tmp_path / "agent.log", agent_env),
        ):
            c = staff(url)

            def orangi() -> dict:
                return next(s for s in c.get("/api/v1/noc/state").json()["sites"] if s["id"] == "town-orangi")

            def devices() -> dict[str, dict]:
                return {d["id"]: d for d in orangi()["devices"]}

            wait_for("every device up", lambda: {d["state"] for d in devices().values()} == {"up"}, timeout=90)
            assert alerts(c, state="firing") == []

            # Load-shedding: the UPS goes on battery with 4 minutes left.
            ups.set_state(DUMMY_UPS_ON_BATTERY_LOW)
            fired = {r: fire(c, mail, r) for r in ("ups_on_battery", "ups_battery_low")}
            assert "4 minutes of battery left" in fired["ups_battery_low"]["annotations"]["summary"]
            # Power returns: both resolve and the engineers hear it.
            ups.set_state(DUMMY_UPS_ON_LINE)
            for a in fired.values():
                recover(c, mail, a)
            one_first_notice(mail)

            # The UPS's management card stops answering; the switch and the PC it powers still answer.
            card.close()
            ups_seen = wait_for(
                "the UPS judged by what it powers",
                lambda: (
                    (u := devices()["orangi-ups"])["state"] == "degraded" and "behind it is up" in u["reason"] and u
                ),
            )
            assert "orangi-sw" in ups_seen["reason"]
            after_sweeps(c, 10)
            state = devices()
            assert state["orangi-sw"]["state"] == "up" and "root_cause" not in state["orangi-sw"]
            assert state["orangi-pc-01"]["state"] == "up"
            channel = next(ch for ch in c.get("/api/v1/noc/state").json()["channels"] if ch["id"] == "walk-in-orangi")
            assert channel["state"] == "up"
            assert c.get("/api/v1/noc/outages", params={"open": True}).json() == []
            assert c.get("/api/v1/complaints", params={"channel": "internal"}).json() == []
            assert [a["rule"] for a in alerts(c, state="firing")] == []
