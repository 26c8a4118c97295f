"""A ticket-labelled alert (the shipped recording rules) raises one internal ticket while it fires, none while it
is muted, and its resolution resolves the ticket: the listeners of a real runtime, fed a snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from complaint_core.adapters.orm import ComplaintRow
from noc_api.health.model import DeviceHealth, HealthSnapshot, Sample, SiteHealth, State
from noc_api.runtime import Runtime
from noc_api.tickets.alert_tickets import AlertTicketBridge


def snapshot(at: datetime, lag: float) -> HealthSnapshot:
    snap = HealthSnapshot(at=at)
    snap.devices["cc-1339-rec"] = DeviceHealth("cc-1339-rec", "cc-1339", "gulshan-e-iqbal", "server", State.UP, "", at)
    snap.sites["cc-1339"] = SiteHealth("cc-1339", "gulshan-e-iqbal", State.UP, "", at)
    snap.latest = [Sample("cc-1339-rec", "recording_store_lag_seconds", lag, at, (("store", "archive"),))]
    return snap


def sweep(runtime: Runtime, at: datetime, lag: float) -> None:
    bridge = next(x for x in runtime.listeners if isinstance(x, AlertTicketBridge))
    with runtime.sessions.begin() as s:
        runtime.alerting.on_health(s, snapshot(at, lag), [], at)
        bridge.on_health(s, snapshot(at, lag), [], at)


def tickets(runtime: Runtime) -> list[ComplaintRow]:
    with runtime.sessions() as s:
        return list(s.scalars(select(ComplaintRow).where(ComplaintRow.category_id == "noc-recordings")))


def test_a_store_behind_is_a_ticket_until_it_catches_up(runtime: Runtime) -> None:
    t0 = datetime.now(UTC)
    sweep(runtime, t0, 30 * 3600)  # the archive is 30 h behind the primary store
    [t] = tickets(runtime)
    assert (t.channel, t.status, t.assignee) == ("internal", "assigned", "it-gulshan-e-iqbal")
    assert "Recording store archive on cc-1339-rec is 30 h behind" in t.description
    sweep(runtime, t0 + timedelta(seconds=5), 31 * 3600)
    assert len(tickets(runtime)) == 1  # still the same alert: the same ticket
    sweep(runtime, t0 + timedelta(seconds=10), 0)  # the copy caught up; the alert holds for its flap damping
    end = t0 + timedelta(minutes=5)
    sweep(runtime, end, 0)
    [t] = tickets(runtime)
    assert t.status == "resolved"


def test_a_muted_alert_raises_no_ticket(runtime: Runtime) -> None:
    t0 = datetime.now(UTC)
    snap = snapshot(t0, 30 * 3600)
    snap.devices["cc-1339-rec"] = DeviceHealth(  # the health sweep's view of a device under maintenance
        "cc-1339-rec", "cc-1339", "gulshan-e-iqbal", "server", State.UNKNOWN, "maintenance: disk swap", t0
    )
    bridge = next(x for x in runtime.listeners if isinstance(x, AlertTicketBridge))
    with runtime.sessions.begin() as s:
        runtime.alerting.on_health(s, snap, [], t0)
        bridge.on_health(s, snap, [], t0)
    assert tickets(runtime) == []
