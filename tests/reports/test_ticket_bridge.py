"""The outage-to-ticket bridge on a real database (SQLite and PostgreSQL): one ticket per outage, following it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow
from complaint_core.lifecycle import Command
from complaint_core.roles import Actor
from complaint_core.services.actions import act
from noc_api.complaints.directory import core_config
from noc_api.db.ticket_models import OutageTicket
from noc_api.health.model import Cause, HealthSnapshot, Outage, OutageEvent, OutageEventKind, Scope
from noc_api.runtime import Runtime
from noc_api.tickets.bridge import TicketBridge
from noc_api.tickets.policy import TicketPolicy

T0 = datetime(2026, 5, 12, 8, 40, tzinfo=UTC)  # 13:40 in Karachi


def orangi(outage_id: int = 1, **kw: object) -> Outage:
    base = Outage(
        id=outage_id,
        scope=Scope.SITE,
        subject_id="town-orangi",
        site_id="town-orangi",
        town_id="orangi",
        root_cause_device=None,
        cause=Cause.POWER,
        started_at=T0,
        ended_at=None,
        channels=("walk-in-orangi",),
        affected=("town-orangi-sw", "town-orangi-pc-01"),
    )
    return replace(base, **kw)


def sweep(rt: Runtime, bridge: TicketBridge, now: datetime, events: list[OutageEvent], open_: list[Outage]) -> None:
    with rt.sessions.begin() as s:
        bridge.on_health(s, HealthSnapshot(at=now, outages=open_), events, now)


def tickets(rt: Runtime) -> list[ComplaintRow]:
    with rt.sessions() as s:
        return list(s.scalars(select(ComplaintRow).where(ComplaintRow.channel == "internal").order_by(ComplaintRow.id)))


def history(rt: Runtime, tracking: str) -> list[tuple[str, str | None, str | None]]:
    with rt.sessions() as s:
        row = s.scalar(select(ComplaintRow).where(ComplaintRow.tracking_number == tracking))
        return [
            (e.action, e.to_status, e.note)
            for e in s.scalars(
                select(ComplaintEvent).where(ComplaintEvent.complaint_id == row.id).order_by(ComplaintEvent.id)
            )
        ]


def test_site_outage_raises_one_ticket_that_follows_it(runtime: Runtime) -> None:
    bridge = TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy())
    o = orangi()
    sweep(runtime, bridge, T0, [OutageEvent(OutageEventKind.OPENED, o, T0)], [o])
    for k in range(1, 4):  # later sweeps with the outage still open add nothing
        sweep(runtime, bridge, T0 + timedelta(seconds=k), [], [o])
    [t] = tickets(runtime)
    assert (t.category_id, t.department_id, t.town_id, t.status) == ("noc-power", "it", "orangi", "assigned")
    assert t.assignee == "it-orangi" and t.priority == "urgent"
    assert "walk-in-orangi" in t.description and "/api/v1/outages/1" in t.description
    assert t.channel_data["source_ref"] == "outage:1"

    # The picture changes: a note, no new ticket.
    wider = orangi(cause=Cause.LINK, channels=("walk-in-orangi", "walk-in-kbca"))
    sweep(runtime, bridge, T0 + timedelta(minutes=5), [OutageEvent(OutageEventKind.UPDATED, wider, T0, "")], [wider])
    notes = [n for a, _, n in history(runtime, t.tracking_number) if a == "note"]
    assert notes and "cause now link" in notes[0] and "walk-in-kbca" in notes[0]

    # 16:30 power returns: resolved automatically with the duration and cause.
    end = T0 + timedelta(hours=2, minutes=28)
    closed = replace(wider, ended_at=end)
    sweep(runtime, bridge, end, [OutageEvent(OutageEventKind.CLOSED, closed, end)], [])
    [t] = tickets(runtime)
    assert t.status == "resolved"
    actions = [a for a, _, _ in history(runtime, t.tracking_number)]
    assert actions[:2] == ["register", "assign"] and actions[-2:] == ["start", "resolve"]
    resolution = history(runtime, t.tracking_number)[-1][2]
    assert "after 2 h 28 min" in resolution and "cause link" in resolution
    assert "walk-in-orangi, walk-in-kbca down 2 h 28 min each (4 h 56 min of channel downtime)" in resolution


def test_flapping_site_reuses_its_ticket(runtime: Runtime) -> None:
    bridge = TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy(reuse_minutes=30))
    first = orangi(1)
    sweep(runtime, bridge, T0, [OutageEvent(OutageEventKind.OPENED, first, T0)], [first])
    end = T0 + timedelta(minutes=3)
    sweep(runtime, bridge, end, [OutageEvent(OutageEventKind.CLOSED, replace(first, ended_at=end), end)], [])
    again = orangi(2, started_at=end + timedelta(minutes=5))
    sweep(runtime, bridge, again.started_at, [OutageEvent(OutageEventKind.OPENED, again, again.started_at)], [again])
    [t] = tickets(runtime)
    assert t.status == "reopened"
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutageTicket)) == 2
    # Much later, a fresh failure gets a fresh ticket.
    end2 = again.started_at + timedelta(minutes=1)
    sweep(runtime, bridge, end2, [OutageEvent(OutageEventKind.CLOSED, replace(again, ended_at=end2), end2)], [])
    late = orangi(3, started_at=end2 + timedelta(hours=3))
    sweep(runtime, bridge, late.started_at, [OutageEvent(OutageEventKind.OPENED, late, late.started_at)], [late])
    assert len(tickets(runtime)) == 2


def test_ticket_closed_by_hand_during_the_outage_is_reopened(runtime: Runtime) -> None:
    bridge = TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy())
    o = orangi()
    sweep(runtime, bridge, T0, [OutageEvent(OutageEventKind.OPENED, o, T0)], [o])
    [t] = tickets(runtime)
    cfg = core_config(runtime.settings)
    with runtime.sessions.begin() as s:
        for action in ("start", "resolve"):
            act(
                s,
                tracking=t.tracking_number,
                command=Command(action, "rebooted the switch"),
                actor=Actor.system("engineer"),
                now=T0 + timedelta(minutes=10),
                config=cfg,
            )
    sweep(runtime, bridge, T0 + timedelta(minutes=11), [], [o])
    [t] = tickets(runtime)
    assert t.status == "reopened"
    assert "still going on" in history(runtime, t.tracking_number)[-1][2]


def test_restart_mid_outage_creates_no_duplicate_and_catches_up(runtime: Runtime) -> None:
    o = orangi()
    sweep(
        runtime,
        TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy()),
        T0,
        [OutageEvent(OutageEventKind.OPENED, o, T0)],
        [o],
    )
    # A new process: a new bridge sees the persisted open outage, with no event.
    sweep(runtime, TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy()), T0 + timedelta(minutes=1), [], [o])
    assert len(tickets(runtime)) == 1
    # An outage persisted before the bridge existed still gets its ticket on the next sweep.
    older = orangi(
        7, subject_id="town-gadap", site_id="town-gadap", town_id="gadap", cause=Cause.LINK, channels=("walk-in-gadap",)
    )
    sweep(
        runtime,
        TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy()),
        T0 + timedelta(minutes=2),
        [],
        [o, older],
    )
    assert [(t.town_id, t.category_id) for t in tickets(runtime)] == [("orangi", "noc-power"), ("gadap", "noc-link")]


def test_policy_decides_what_raises_tickets(runtime: Runtime) -> None:
    bridge = TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy())
    pc = orangi(
        1,
        scope=Scope.DEVICE,
        subject_id="town-orangi-pc-02",
        root_cause_device="town-orangi-pc-02",
        cause=Cause.WORKSTATION,
        channels=(),
        affected=(),
    )
    radio = orangi(
        2,
        scope=Scope.DEVICE,
        subject_id="radio-orangi",
        root_cause_device="radio-orangi",
        cause=Cause.LINK,
        channels=("walk-in-orangi",),
    )
    planned = orangi(3, subject_id="town-lyari", site_id="town-lyari", town_id="lyari", in_maintenance=True)
    events = [OutageEvent(OutageEventKind.OPENED, x, T0) for x in (pc, radio, planned)]
    sweep(runtime, bridge, T0, events, [pc, radio, planned])
    assert [t.category_id for t in tickets(runtime)] == ["noc-link"]
    only_sites = TicketBridge(runtime.desk, runtime.device_kinds, TicketPolicy(scopes=frozenset({Scope.SITE})))
    other = orangi(
        4,
        scope=Scope.DEVICE,
        subject_id="radio-gadap",
        root_cause_device="radio-gadap",
        town_id="gadap",
        cause=Cause.LINK,
    )
    sweep(runtime, only_sites, T0, [OutageEvent(OutageEventKind.OPENED, other, T0)], [other])
    assert len(tickets(runtime)) == 1
