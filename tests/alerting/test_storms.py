"""Storms: one notification per real outage, whatever order parent and children fail in."""

from __future__ import annotations

import email
import email.policy

from noc_api.health.model import Cause, HealthSnapshot, Outage, Scope, SiteHealth, State
from tests.alerting.conftest import T0, dev, town_snapshot


def _settle(world, seconds: int = 60, step: int = 5) -> None:
    for _ in range(seconds // step):
        world.tick(step)
        world.cycle()


def test_radio_down_with_ten_devices_behind_is_one_notification_and_one_recovery(world, smtp) -> None:
    inbox, _ = smtp
    down = town_snapshot(radio=State.DOWN, outage=True, site_state=State.DOWN)
    for _i in range(12):  # 60 s of evaluations every 5 s, the cycle after each
        world.eval(down)
        world.cycle()
        world.tick(5)
    firing = [m for m in inbox.mails if b"[FIRING]" in m.content or b"[UPDATE]" in m.content]
    recipients = {r for m in firing for r in m.rcpt_tos}
    assert len(firing) == len(recipients) == 2, [m.content[:200] for m in inbox.mails]  # eng-day + noc-desk
    body = firing[0].content.decode()
    assert "radio-orangi-dc" in body and "town-orangi-pc-09" in body and "orangi" in body
    before = len(inbox.mails)
    up = town_snapshot()
    for _ in range(40):
        world.eval(up)
        world.cycle()
        world.tick(5)
    after = inbox.mails[before:]
    assert len(after) == 2 and all(b"[RESOLVED]" in m.content for m in after), [m.content[:120] for m in after]


def test_child_first_within_group_wait_is_folded_and_never_sent_alone(world, smtp) -> None:
    inbox, _ = smtp
    world.eval(town_snapshot(pcs=State.DOWN))  # the town switch (pc-00) looks down on its own first
    world.tick(1)
    world.cycle()
    world.tick(30)
    world.eval(town_snapshot(pcs=State.DOWN))  # now firing (for: 30s); group_wait still running
    world.tick(1)
    world.eval(town_snapshot(radio=State.DOWN, outage=True))  # the parent fails: the child is unreachable behind it
    for _ in range(20):
        world.cycle()
        world.tick(5)
        world.eval(town_snapshot(radio=State.DOWN, outage=True))
    subjects = [str(email.message_from_bytes(m.content, policy=email.policy.default)["subject"]) for m in inbox.mails]
    assert all("radio-orangi-dc" in s or "Outage" in s for s in subjects), subjects
    assert len({tuple(m.rcpt_tos) for m in inbox.mails}) == len(inbox.mails) == 2


def test_child_notified_before_parent_gets_a_single_follow_up(world, smtp) -> None:
    inbox, _ = smtp
    snap = town_snapshot(pcs=State.DOWN)
    for _ in range(10):
        world.eval(snap)
        world.cycle()
        world.tick(5)
    child_mails = len(inbox.mails)
    assert child_mails == 2  # the town switch alert went out (it really looked down alone)
    for _ in range(20):
        world.eval(town_snapshot(radio=State.DOWN, outage=True))
        world.cycle()
        world.tick(5)
    follow = inbox.mails[child_mails:]
    assert len(follow) == 2, [m.content[:150] for m in follow]
    assert b"folded in" in follow[0].content
    # nothing announced the child "resolved" while it sat behind its parent
    assert not any(b"[RESOLVED]" in m.content for m in inbox.mails)


def test_parent_and_children_in_one_evaluation_either_way(world, smtp) -> None:
    inbox, _ = smtp
    snap = town_snapshot(radio=State.DOWN, outage=True)
    snap.devices = dict(reversed(list(snap.devices.items())))  # children before the parent in iteration order
    for _ in range(12):
        world.eval(snap)
        world.cycle()
        world.tick(5)
    assert len(inbox.mails) == 2


def test_core_switch_with_eighteen_towns_is_one_notification_listing_them(world, smtp) -> None:
    inbox, _ = smtp
    snap = HealthSnapshot(at=T0)
    snap.devices["dc-core-sw"] = dev("dc-core-sw", "dc-civic", "saddar", "switch", State.DOWN)
    snap.sites["dc-civic"] = SiteHealth("dc-civic", "saddar", State.DEGRADED, "core switch down", T0)
    towns = [f"town{i:02d}" for i in range(18)]
    for t in towns:
        snap.devices[f"radio-{t}-dc"] = dev(
            f"radio-{t}-dc", "dc-civic", "saddar", "radio", State.UNREACHABLE, "dc-core-sw"
        )
        snap.devices[f"radio-{t}"] = dev(f"radio-{t}", f"site-{t}", t, "radio", State.UNREACHABLE, "dc-core-sw")
        snap.devices[f"{t}-pc"] = dev(f"{t}-pc", f"site-{t}", t, "workstation", State.UNREACHABLE, "dc-core-sw")
        snap.sites[f"site-{t}"] = SiteHealth(f"site-{t}", t, State.DOWN, "silent", T0)
    snap.outages.append(
        Outage(
            7,
            Scope.DEVICE,
            "dc-core-sw",
            "dc-civic",
            "saddar",
            "dc-core-sw",
            Cause.SWITCH,
            T0,
            None,
            (),
            tuple(f"site-{t}" for t in towns),
        )
    )
    for _ in range(12):
        world.eval(snap)
        world.cycle()
        world.tick(5)
    assert len(inbox.mails) == 2, [m.content[:150] for m in inbox.mails]
    body = inbox.mails[0].content.decode()
    assert all(t in body for t in towns)


def test_parent_first_then_children_across_two_evaluations(world, smtp) -> None:
    inbox, _ = smtp
    world.eval(town_snapshot(radio=State.DOWN, pcs=State.UP, outage=True))  # children not yet marked
    world.tick(5)
    for _ in range(12):
        world.eval(town_snapshot(radio=State.DOWN, outage=True))
        world.cycle()
        world.tick(5)
    assert len(inbox.mails) == 2


def test_the_scheduler_job_delivers_in_short_transactions(world, smtp) -> None:
    inbox, _ = smtp
    results = []
    for _ in range(12):
        world.eval(town_snapshot(radio=State.DOWN, outage=True))
        results.append(world.cycle())  # the notice job's transaction, then one per claim and per attempt
        world.tick(5)
    assert sum(r["sent"] for r in results) == len(inbox.mails) == 2
