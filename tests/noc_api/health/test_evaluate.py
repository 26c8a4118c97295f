"""The pure health evaluator and outage planner, table-driven on a small city."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from noc_api.health.evaluate import Inputs, Observation, evaluate
from noc_api.health.model import Cause, Scope, State
from noc_api.health.outages import SiteHints, Tracked, plan_outages
from tests.noc_api.health.city import city

NOW = datetime(2026, 11, 29, 14, 2, tzinfo=UTC)
T = NOW.timestamp()
GRACE = 30.0


def all_up(topo, at: float = T, **status: str) -> Inputs:
    """Every device reported up just before ``at``, except those given."""
    obs = {d: Observation(status.get(d.replace("-", "_"), "up"), None, at - 5) for d in topo.devices}
    return Inputs(observations=obs, last_heard={s: at - 5 for s in topo.sites})


def test_everything_up() -> None:
    topo = city()
    ev = evaluate(topo, all_up(topo), T, GRACE)
    assert {v.state for v in ev.devices.values()} == {State.UP}
    assert {v.state for v in ev.sites.values()} == {State.UP}
    assert ev.channels["walk-in-town1"].state == State.UP
    assert plan_outages(topo, ev, [], {}, NOW, 60).opened == []


def test_radio_down_with_ten_devices_behind_is_one_link_outage() -> None:
    topo = city(towns=2, pcs=7)  # town radio + ups + switch + 7 pcs = 10 devices in town1
    inputs = all_up(topo)
    inputs.link_down.add("radio-town1-dc")
    inputs.last_heard["town1"] = T - 120  # the town agent can no longer reach us either
    ev = evaluate(topo, inputs, T, GRACE)
    behind = [d for d in topo.site_devices["town1"]]
    assert len(behind) == 10
    assert all(ev.devices[d].state == State.UNREACHABLE for d in behind if d != "town1-ups")
    assert ev.devices["town1-sw"].root_cause == "radio-town1-dc"
    assert ev.sites["town1"].state == State.DOWN and ev.sites["town1"].root_cause == "radio-town1-dc"
    assert ev.channels["walk-in-town1"].state == State.DOWN
    assert ev.sites["town2"].state == State.UP
    plan = plan_outages(topo, ev, [], {}, NOW, 60)
    assert len(plan.opened) == 1
    o = plan.opened[0]
    assert (o.scope, o.subject_id, o.cause) == (Scope.DEVICE, "radio-town1-dc", Cause.LINK)
    assert "town1" in o.affected and "town1-pc-7" in o.affected and o.channels == ("walk-in-town1",)


def test_redundant_links_any_of() -> None:
    topo = city(towns=1, redundant="town1")
    inputs = all_up(topo)
    inputs.link_down.add("radio-town1-dc")
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["radio-town1"].state == State.UP  # the access point still serves the town
    inputs.link_down.add("dc-ap")
    inputs.last_heard["town1"] = T - 120  # with both links down the town falls silent
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["radio-town1"].state == State.UNREACHABLE
    assert ev.devices["town1-pc-1"].root_cause == "radio-town1-dc"


@pytest.mark.parametrize(
    ("hints", "cause"),
    [
        (SiteHints(on_battery=True), Cause.POWER),
        (SiteHints(link_fading=True), Cause.LINK),
        (SiteHints(host_rebooted=True, host_booted_ts=T + 30), Cause.HOST),
        (SiteHints(), Cause.UNKNOWN),
    ],
    ids=["ups-on-battery-then-silence", "signal-fading", "host-rebooted", "no-clue"],
)
def test_silence_is_one_site_outage_with_a_cause_guess(hints: SiteHints, cause: Cause) -> None:
    topo = city(towns=2)
    inputs = all_up(topo)
    inputs.last_heard["town2"] = T - 31
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.sites["town2"].state == State.DOWN
    plan = plan_outages(topo, ev, [], {"town2": hints}, NOW, 60)
    assert [(o.scope, o.subject_id, o.cause) for o in plan.opened] == [(Scope.SITE, "town2", cause)]
    assert plan.opened[0].channels == ("walk-in-town2",)


def test_silence_inside_grace_is_not_down() -> None:
    topo = city(towns=1)
    inputs = all_up(topo)
    inputs.last_heard["town1"] = T - 29
    assert evaluate(topo, inputs, T, GRACE).sites["town1"].state == State.UP


def test_flapping_inside_hold_down_continues_the_outage() -> None:
    topo = city(towns=1)
    down = all_up(topo, T + 200)  # every site heard recently throughout, except the town cut off
    down.link_down.add("radio-town1-dc")
    down.last_heard["town1"] = T - 100
    up = all_up(topo, T + 200)
    opened = plan_outages(topo, evaluate(topo, down, T, GRACE), [], {}, NOW, 60).opened[0]
    tracked = [Tracked(opened.__class__(**{**opened.__dict__, "id": 7}))]
    # It recovers: the outage waits out the hold-down.
    p1 = plan_outages(topo, evaluate(topo, up, T + 10, GRACE), tracked, {}, NOW + timedelta(seconds=10), 60)
    assert not p1.closed and p1.updated[0][0].recovered_at == NOW + timedelta(seconds=10)
    # It fails again 20 s later: the same outage (id 7) continues, nothing new opens.
    again = [p1.updated[0][0]]
    p2 = plan_outages(topo, evaluate(topo, down, T + 30, GRACE), again, {}, NOW + timedelta(seconds=30), 60)
    assert not p2.opened and p2.updated[0][0].outage.id == 7 and p2.updated[0][0].recovered_at is None
    assert "flapping" in p2.updated[0][1]
    # A lasting recovery closes it at the moment it recovered.
    p3 = plan_outages(topo, evaluate(topo, up, T + 40, GRACE), [p2.updated[0][0]], {}, NOW + timedelta(seconds=40), 60)
    rec = p3.updated[0][0]
    p4 = plan_outages(topo, evaluate(topo, up, T + 101, GRACE), [rec], {}, NOW + timedelta(seconds=101), 60)
    assert p4.closed[0].id == 7 and p4.closed[0].ended_at == NOW + timedelta(seconds=40)


def test_maintenance_shows_unknown_and_flags_the_outage() -> None:
    topo = city(towns=1)
    inputs = all_up(topo)
    inputs.link_down.add("radio-town1-dc")
    inputs.last_heard["town1"] = T - 100
    inputs.maintenance.add("radio-town1-dc")
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["radio-town1-dc"].state == State.UNKNOWN
    assert ev.devices["town1-pc-1"].state == State.UNKNOWN and ev.devices["town1-pc-1"].maintenance
    assert ev.channels["walk-in-town1"].state == State.UNKNOWN
    plan = plan_outages(topo, ev, [], {}, NOW, 60)
    assert len(plan.opened) == 1 and plan.opened[0].in_maintenance


def test_dc_core_failure_is_one_outage_naming_every_town() -> None:
    topo = city(towns=5)
    # The core switch dies: the data-centre agent no longer reaches the radios behind it either.
    dead = {f"radio_town{i}_dc": "unreachable" for i in range(1, 6)} | {"dc_ap": "unreachable"}
    inputs = all_up(topo, dc_core="unreachable", **dead)
    for i in range(1, 6):
        inputs.last_heard[f"town{i}"] = T - 100
    ev = evaluate(topo, inputs, T, GRACE)
    plan = plan_outages(topo, ev, [], {}, NOW, 60)
    assert [o.subject_id for o in plan.opened] == ["dc-core"]
    o = plan.opened[0]
    assert {f"town{i}" for i in range(1, 6)} <= set(o.affected)
    assert o.cause == Cause.SWITCH and "web" in o.channels and "walk-in-town3" in o.channels


def test_ups_down_takes_town_devices_behind_it() -> None:
    topo = city(towns=1)
    dark = {"town1_sw": "unreachable"} | {f"town1_pc_{n}": "unreachable" for n in range(1, 8)}
    ev = evaluate(topo, all_up(topo, town1_ups="down", **dark), T, GRACE)
    assert ev.devices["town1-sw"].root_cause == "town1-ups"
    plan = plan_outages(topo, ev, [], {}, NOW, 60)
    assert [(o.subject_id, o.cause) for o in plan.opened] == [("town1-ups", Cause.POWER)]


def test_own_fresh_reading_beats_the_parents_and_proves_the_parent_works() -> None:
    """The UPS's management card stops answering; the switch and PCs it powers answer: no power cut."""
    topo = city(towns=1)
    ev = evaluate(topo, all_up(topo, town1_ups="unreachable"), T, GRACE)
    assert ev.devices["town1-sw"].state == State.UP and ev.devices["town1-sw"].root_cause is None
    assert ev.devices["town1-pc-1"].state == State.UP
    ups = ev.devices["town1-ups"]
    assert ups.state == State.DEGRADED and "town1-sw behind it is up" in ups.reason
    assert ev.channels["walk-in-town1"].state == State.UP
    assert plan_outages(topo, ev, [], {}, NOW, 60).opened == []


def test_stale_or_failed_own_reading_is_judged_behind_the_parent() -> None:
    topo = city(towns=1)
    dark = {f"town1_pc_{n}": "unreachable" for n in range(2, 8)}
    inputs = all_up(topo, town1_ups="down", town1_sw="unreachable", **dark)
    # pc-1's reading is older than two collection intervals plus the grace period: it no longer counts.
    inputs.observations["town1-pc-1"] = Observation("up", None, T - (2 * 30 + GRACE) - 1)
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["town1-pc-1"].state == State.UNREACHABLE and ev.devices["town1-pc-1"].root_cause == "town1-ups"
    assert ev.devices["town1-pc-2"].root_cause == "town1-ups"  # its own poll failed
    # pc-2 answers after all: its own reading decides, and it shows the switch and the UPS work.
    inputs.observations["town1-pc-2"] = Observation("up", None, T - 1)
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["town1-pc-2"].state == State.UP
    assert ev.devices["town1-sw"].state == State.DEGRADED and ev.devices["town1-ups"].state == State.DEGRADED


def test_a_heard_site_proves_its_uplink_passes_traffic() -> None:
    topo = city(towns=1)
    inputs = all_up(topo, radio_town1_dc="unreachable")
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["radio-town1-dc"].state == State.DEGRADED and ev.sites["town1"].state == State.UP
    inputs.last_heard["town1"] = T - 31  # now the town is silent too: the link is down
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.devices["radio-town1-dc"].state == State.DOWN and ev.sites["town1"].root_cause == "radio-town1-dc"


def test_a_silent_site_is_down_since_it_was_last_heard() -> None:
    topo = city(towns=1)
    inputs = all_up(topo)
    inputs.last_heard["town1"] = T - 101
    ev = evaluate(topo, inputs, T, GRACE)
    assert ev.sites["town1"].since == T - 101 and ev.devices["town1-sw"].since == T - 101
    assert ev.channels["walk-in-town1"].since == T - 101
    [o] = plan_outages(topo, ev, [], {}, NOW, 60).opened
    assert o.started_at == NOW - timedelta(seconds=101)


def test_channel_never_heard_from_is_unknown_not_down() -> None:
    topo = city()
    ev = evaluate(topo, Inputs(observations={}, last_heard={}), T, GRACE)  # a fresh NOC: no agent yet
    assert ev.channels["walk-in-town1"].state == State.UNKNOWN
    assert ev.channels["walk-in-town1"].reason.startswith("not heard from")
    assert plan_outages(topo, ev, [], {}, NOW, 60).opened == []
