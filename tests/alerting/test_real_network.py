"""The radio, switch, host and agent rules on the real path, one server and one agent: snmpsim recordings swapped
under a real `ccis agent` (rain fade, an uplink port down, a full disk and memory, the link lost, a server that
stops answering), then the site's link to the NOC cut and restored (the site down, no agent heard: ingest
stalled; the agent's outbox backs up). Each shipped rule
fires through the real sweep, is mailed (aiosmtpd) and resolves on recovery. The outage of the cut starts when
the town was last heard, and the ticket, the outage API and the MIS give the same duration. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from noc_api.health.durations import format_duration
from tests.collectors.conftest import DATA
from tests.peers import snmpsim
from tests.real_city import (
    NOC_CATEGORIES,
    Mailbox,
    Relay,
    agent,
    alerts,
    fast_rules,
    fire,
    firing,
    one_first_notice,
    prepare,
    recover,
    server_env,
    staff,
    swap,
)
from tests.support import ccis_serve, free_port, wait_for

INVENTORY = """\
version: 1
city: {{code: KHI, name: Karachi}}
credentials:
  - {{id: c-radio, kind: snmp_v2c, community_env: CCIS_TEST_RADIO_COMMUNITY}}
  - {{id: c-sw, kind: snmp_v2c, community_env: CCIS_TEST_SW_COMMUNITY}}
  - {{id: c-host, kind: snmp_v2c, community_env: CCIS_TEST_HOST_COMMUNITY}}
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
      - {{id: radio-orangi, kind: radio, address: 127.0.0.1,
         collect: {{method: snmp, profile: radio-ubiquiti-airmax, credential: c-radio, port: {port}, interval: 1}}}}
      - {{id: orangi-sw, kind: switch, address: 127.0.0.1, depends_on: [radio-orangi],
         collect: {{method: snmp, profile: if-mib, credential: c-sw, port: {port}, interval: 1}}}}
      - {{id: orangi-srv, kind: server, address: 127.0.0.1, depends_on: [orangi-sw],
         collect: {{method: snmp, profile: host-resources, credential: c-host, port: {port}, interval: 1}}}}
      - {{id: orangi-pc-01, kind: workstation, address: 127.0.0.1, depends_on: [orangi-sw],
         collect: {{method: psutil, interval: 1}}}}
channels:
  - {{id: walk-in-orangi, name: Orangi walk-in counter, kind: walk_in, site: town-orangi,
     requires: {{all: [orangi-sw, orangi-pc-01]}}}}
"""
# HOST-RESOURCES-MIB: RAM (hrStorageRam) and one fixed disk, 1000 units each.
HOST = """\
1.3.6.1.2.1.1.1.0|4|CCIS test server
1.3.6.1.2.1.1.3.0|67|8640000
1.3.6.1.2.1.25.1.1.0|67|8640000
1.3.6.1.2.1.25.2.3.1.2.1|6|1.3.6.1.2.1.25.2.1.2
1.3.6.1.2.1.25.2.3.1.2.2|6|1.3.6.1.2.1.25.2.1.4
1.3.6.1.2.1.25.2.3.1.3.1|4|Physical memory
1.3.6.1.2.1.25.2.3.1.3.2|4|/
1.3.6.1.2.1.25.2.3.1.4.1|2|1024
1.3.6.1.2.1.25.2.3.1.4.2|2|4096
1.3.6.1.2.1.25.2.3.1.5.1|2|1000
1.3.6.1.2.1.25.2.3.1.5.2|2|1000
1.3.6.1.2.1.25.2.3.1.6.1|2|{memory}
1.3.6.1.2.1.25.2.3.1.6.2|2|{disk}
1.3.6.1.2.1.25.3.3.1.2.196608|2|12
"""
# Ubiquiti airMAX columns (every row): the interface table's and the station table's signal and noise floor.
UBNT = "1.3.6.1.4.1.41112.1.4."
SIGNAL, NOISE = (UBNT + "5.1.5.", UBNT + "7.1.3."), (UBNT + "5.1.8.", UBNT + "7.1.4.")
STATIONS, STATION_TABLE = UBNT + "5.1.15.", UBNT + "7.1."
UPLINK = "1.3.6.1.2.1.2.2.1.8.24|2|"  # ifOperStatus of Gi0/24


def radio(signal: int = -62, noise: int = -95, stations: int = 1) -> str:
    """The shipped airMAX recording with these values in every row (no station rows when none is associated)."""
    out = []
    for line in (DATA / "radio-ubiquiti.snmprec").read_text().splitlines():
        oid, tag, _ = line.split("|", 2)
        if oid.startswith(STATION_TABLE) and not stations:
            continue
        for prefixes, value in ((SIGNAL, signal), (NOISE, noise), ((STATIONS,), stations)):
            if oid.startswith(prefixes):
                line = f"{oid}|{tag}|{value}"
        out.append(line)
    return "\n".join(out) + "\n"


def switch(uplink_up: bool) -> str:
    return re.sub(
        re.escape(UPLINK) + r"\d", UPLINK + ("1" if uplink_up else "2"), (DATA / "switch24.snmprec").read_text()
    )


def agent_depth(port: int) -> float:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return 0.0
    m = re.search(r"^ccis_agent_outbox_depth (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_network_host_and_agent_rules_fire_through_the_real_sweep(db_url: str, tmp_path: Path, smtp) -> None:
    inbox, smtp_port = smtp
    mail = Mailbox(inbox)
    data = tmp_path / "snmp"
    data.mkdir()
    recordings = {name: data / f"{name}.snmprec" for name in ("radio", "switch", "host")}
    recordings["radio"].write_text(radio())
    recordings["switch"].write_text(switch(uplink_up=True))
    recordings["host"].write_text(HOST.format(memory=400, disk=500))
    with snmpsim(data, tmp_path / "snmpsim", "switch") as sim:
        inventory = tmp_path / "inventory.yaml"
        inventory.write_text(INVENTORY.format(categories=NOC_CATEGORIES, port=sim.port))
        # A loopback agent cannot queue 500 reports in a test's time: the backlog threshold is lowered, and the
        # holds of the two rules whose condition is brief are lengthened so their notice leaves first.
        rules = fast_rules(
            tmp_path / "rules",
            when={"agent_outbox_backlog": {"above": 20, "clear_below": 12}},
            keep={"radio_signal_falling": "20s", "agent_outbox_backlog": "20s"},
        )
        env = server_env(db_url, inventory, rules, tmp_path, smtp_port)
        tokens = prepare(env, tmp_path, ["town-orangi"])
        communities = {f"CCIS_TEST_{k.upper()}_COMMUNITY": k for k in ("radio", "host")} | {
            "CCIS_TEST_SW_COMMUNITY": "switch"
        }
        metrics_port = free_port()
        with ccis_serve(env, tmp_path / "serve.log") as url:
            link = Relay(int(url.rsplit(":", 1)[1]))
            link.start()
            try:
                with agent(
                    "town-orangi",
                    link.url,
                    tokens["town-orangi"],
                    tmp_path / "agent",
                    tmp_path / "agent.log",
                    communities,
                    "--metrics-port",
                    str(metrics_port),
                ):
                    c = staff(url)
                    run_story(c, mail, recordings, link, metrics_port)
            finally:
                link.close()


def run_story(c: httpx.Client, mail: Mailbox, rec: dict[str, Path], link: Relay, metrics_port: int) -> None:
    def orangi() -> dict:
        return next(s for s in c.get("/api/v1/noc/state").json()["sites"] if s["id"] == "town-orangi")

    wait_for("every device up", lambda: {d["state"] for d in orangi()["devices"]} == {"up"}, timeout=90)
    assert alerts(c, state="firing") == []

    # 1. Rain fade on the radio, the switch's uplink port down, the server's disk and memory full.
    swap(rec["radio"], radio(signal=-80, noise=-92))
    swap(rec["switch"], switch(uplink_up=False))
    swap(rec["host"], HOST.format(memory=970, disk=970))
    fired = {}
    for rule in (
        "radio_signal_falling",
        "radio_signal_weak",
        "radio_snr_low",
        "uplink_port_down",
        "workstation_disk_full",
        "workstation_memory_high",
    ):
        fired[rule] = fire(c, mail, rule)
    assert fired["radio_snr_low"]["annotations"]["summary"] == "Radio radio-orangi SNR 12.0 dB"
    assert fired["uplink_port_down"]["labels"]["interface"] == "Gi0/24"
    assert "97% full" in fired["workstation_disk_full"]["annotations"]["summary"]
    # 2. The radio loses its association.
    swap(rec["radio"], radio(stations=0))
    fired["radio_link_down"] = fire(c, mail, "radio_link_down")
    # 3. Everything recovers: each alert resolves and the recovery is mailed.
    swap(rec["radio"], radio())
    swap(rec["switch"], switch(uplink_up=True))
    swap(rec["host"], HOST.format(memory=400, disk=500))
    for a in fired.values():
        recover(c, mail, a)

    # 4. The server stops answering SNMP (nothing depends on it, so nothing vouches for it): it is down.
    host = rec["host"].read_text()
    rec["host"].unlink()
    server_down = fire(c, mail, "device_down")
    assert server_down["device_id"] == "orangi-srv"
    swap(rec["host"], host)
    recover(c, mail, server_down)

    # 5. The town's link to the NOC is cut: nobody reports (ingest stalled) and the agent's outbox fills.
    link.cut()
    down = wait_for("the town down", lambda: (o := orangi())["state"] == "down" and o)
    cut = {rule: fire(c, mail, rule) for rule in ("site_down", "outage_open", "complaint_channel_down")}
    stalled = fire(c, mail, "ingest_stalled")
    wait_for("a backlog in the agent's outbox", lambda: agent_depth(metrics_port) >= 25)
    link.restore()
    # The backlog shows as the link returns, while the outage it follows is held down: it joins that outage's
    # alert group (one outage, one notification) and is named in the group's notices, the recovery's at least.
    backlog = wait_for("agent_outbox_backlog firing", lambda: firing(c, "agent_outbox_backlog"))
    assert backlog["site_id"] == "town-orangi" and backlog["device_id"] is None
    [outage] = [o for o in c.get("/api/v1/noc/outages").json() if o["scope"] == "site"]
    for a in (*cut.values(), stalled, backlog):
        recover(c, mail, a)
    one_first_notice(mail)

    # The outage began when the town was last heard, and every output tells the same duration.
    closed = wait_for(
        "the outage closed",
        lambda: next(o for o in c.get("/api/v1/noc/outages").json() if o["id"] == outage["id"])["ended_at"],
    )
    assert closed
    o = next(x for x in c.get("/api/v1/noc/outages").json() if x["id"] == outage["id"])
    assert o["started_at"] == down["last_heard"]
    took = o["duration"]
    seconds = (datetime.fromisoformat(o["ended_at"]) - datetime.fromisoformat(o["started_at"])).total_seconds()
    assert took == format_duration(seconds)

    def resolution() -> str | None:
        for t in c.get("/api/v1/complaints", params={"channel": "internal", "status": "resolved"}).json():
            history = c.get(f"/api/v1/complaints/{t['tracking_number']}").json()["history"]
            notes = [e["note"] for e in history if e["action"] == "resolve" and f"Outage #{o['id']} " in e["note"]]
            if notes:
                return notes[-1]
        return None

    note = wait_for("the ticket resolved", resolution)
    assert f"Outage #{o['id']} ended" in note and f"after {took};" in note and f"walk-in-orangi down {took}" in note
    day = datetime.now(ZoneInfo("Asia/Karachi")).date().isoformat()
    mis = c.get("/api/v1/reports/mis", params={"period": "daily", "date": day}).json()
    assert any(f"Orangi walk-in counter was down {took} " in s for s in mis["stories"]), (took, mis["stories"])
