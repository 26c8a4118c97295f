"""The design's Orangi story on the shipped rules: UPS on battery, battery low, then the site goes dark (one outage,
cause power), then power returns. Each step is one notice to the right people, and one recovery."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from complaint_core.adapters.orm import Notification
from noc_api.alerting.models import Alert
from noc_api.health.model import Cause, HealthSnapshot, Outage, Scope, SiteHealth, State
from tests.alerting.conftest import dev, sample


def orangi(world, on_battery: bool, minutes: float, dark: bool) -> HealthSnapshot:
    now = world.now
    snap = HealthSnapshot(at=now)
    snap.sites["town-orangi"] = SiteHealth(
        "town-orangi", "orangi", State.DOWN if dark else State.UP, "agent silent past grace" if dark else "ok", now
    )
    behind = State.UNREACHABLE if dark else State.UP
    snap.devices["town-orangi-ups"] = dev(
        "town-orangi-ups",
        "town-orangi",
        "orangi",
        "ups",
        State.DOWN if dark else State.DEGRADED if on_battery else State.UP,
    )
    for ident, kind in (("town-orangi-sw", "switch"), ("radio-orangi", "radio"), ("town-orangi-pc-01", "workstation")):
        snap.devices[ident] = dev(
            ident, "town-orangi", "orangi", kind, behind, root="town-orangi-ups" if dark else None
        )
    at = now if not dark else now - timedelta(minutes=5)  # the last readings before the silence
    snap.latest = [
        sample("town-orangi-ups", "ups_on_battery", 1 if on_battery else 0, at),
        sample("town-orangi-ups", "ups_battery_minutes_remaining", minutes, at),
    ]
    if dark:
        snap.outages.append(
            Outage(
                3,
                Scope.SITE,
                "town-orangi",
                "town-orangi",
                "orangi",
                "town-orangi-ups",
                Cause.POWER,
                now,
                None,
                ("walk-in-orangi",),
                ("town-orangi-sw", "radio-orangi", "town-orangi-pc-01"),
            )
        )
    return snap


def _run(world, seconds: int, **kw) -> None:
    for _ in range(seconds // 5):
        world.eval(orangi(world, **kw))
        world.cycle()
        world.tick(5)


def _notices(world) -> list[tuple[str, str, str]]:
    with world.sessions() as s:
        rows = s.scalars(select(Notification).where(Notification.medium == "email").order_by(Notification.id))
        return [(n.reason, n.to, n.subject) for n in rows]


def test_orangi_load_shedding(world, smtp) -> None:
    _run(world, 120, on_battery=True, minutes=40, dark=False)  # 13:40 mains lost
    first = _notices(world)
    assert {(r, t) for r, t, _ in first} == {("firing", "power@ccis.example"), ("firing", "noc@ccis.example")}
    assert "on battery" in first[0][2]
    _run(world, 60, on_battery=True, minutes=8, dark=False)  # the battery runs low: critical joins the group
    second = _notices(world)[len(first) :]
    assert {r for r, _, _ in second} == {"update"} and any("8 minutes" in s for _, _, s in second)
    _run(world, 120, on_battery=True, minutes=2, dark=True)  # 14:02 dark: one outage notice, cause power
    third = _notices(world)[len(first) + len(second) :]
    assert len(third) == 2 and all(r == "firing" for r, _, _ in third), third
    assert any("cause: power" in s or "town-orangi" in s for _, _, s in third)
    with world.sessions() as s:
        muted = s.scalars(select(Alert).where(Alert.muted_by.like("dependency:%"))).all()
    assert all(a.device_id != "town-orangi-ups" for a in muted)
    _run(world, 600, on_battery=False, minutes=60, dark=False)  # 16:30 power returns
    recovered = [n for n in _notices(world) if n[0] == "resolved"]
    assert {t for _, t, _ in recovered} >= {"power@ccis.example", "noc@ccis.example"}
    assert len(recovered) == 4  # the power group and the outage group each recover once, to each receiver
