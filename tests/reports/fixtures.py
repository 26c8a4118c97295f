"""Hand-made complaint and outage rows for report tests (May 2026, Karachi time, UTC+5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from noc_api.db.noc_models import OutageRow, StateInterval

KHI = ZoneInfo("Asia/Karachi")


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=KHI).astimezone(UTC)


_seq = iter(range(1, 10_000_000))


def complaint(
    *,
    town: str | None,
    dept: str,
    cat: str,
    channel: str,
    registered: datetime,
    due: datetime,
    status: str = "registered",
    resolved: datetime | None = None,
    reopen: int = 0,
    counter: str | None = None,
) -> ComplaintRow:
    kind = {"resolved": "fixed", "verified": "fixed", "closed": "closed", "rejected": "closed"}.get(status, "open")
    data = {"counter": counter, "operator": "op"} if channel == "walk_in" else {}
    return ComplaintRow(
        tracking_number=f"KHI-2026-{next(_seq):07d}",
        channel=channel,
        status=status,
        kind=kind,
        priority="normal",
        town_id=town,
        category_id=cat,
        department_id=dept,
        description="fixture",
        reopen_count=reopen,
        escalation_level=0,
        sla_warned=False,
        qc_required=False,
        channel_data=data,
        promised_seconds=(due - registered).total_seconds(),
        pauses=[],
        registered_at=registered,
        due_at=due,
        updated_at=resolved or registered,
        resolved_at=resolved,
        closed_at=(resolved or registered) if status == "rejected" else None,
        created_by="fixture",
        version=1,
    )


def may_2026(session: Session) -> None:
    """Six complaints around May, April's Tuesday walk-ins at Orangi, and the month's channel outages."""
    session.add_all(
        [
            # c1: Orangi walk-in, resolved in 24 h, on time.
            complaint(
                town="orangi",
                dept="kwsb",
                cat="water-leakage",
                channel="walk_in",
                counter="town-orangi-pc-01",
                registered=local(5, 3, 10),
                due=local(5, 5, 10),
                status="resolved",
                resolved=local(5, 4, 10),
            ),
            # c2: call centre, resolved in 72 h, late, reopened once before.
            complaint(
                town="orangi",
                dept="solid-waste",
                cat="garbage",
                channel="call_centre",
                registered=local(5, 10, 9),
                due=local(5, 11, 9),
                status="resolved",
                resolved=local(5, 13, 9),
                reopen=1,
            ),
            # c3: web, still open, overdue.
            complaint(
                town="lyari",
                dept="engineering",
                cat="roads",
                channel="web",
                registered=local(5, 20, 12),
                due=local(5, 27, 12),
            ),
            # c4: registered 31 May 23:30 Karachi (18:30 UTC): May, open, not yet due.
            complaint(
                town="lyari",
                dept="engineering",
                cat="roads",
                channel="web",
                registered=local(5, 31, 23, 30),
                due=local(6, 7, 23, 30),
            ),
            # c5: 1 May 00:30 Karachi is still 30 April in UTC: it belongs to May. Rejected.
            complaint(
                town="saddar",
                dept="kbca",
                cat="building-control",
                channel="web",
                registered=local(5, 1, 0, 30),
                due=local(5, 11, 0, 30),
                status="rejected",
            ),
            # c6: registered in April, resolved 2 May (late): resolved in May, not received in May.
            complaint(
                town="saddar",
                dept="engineering",
                cat="roads",
                channel="web",
                registered=local(4, 10, 10),
                due=local(4, 12, 10),
                status="resolved",
                resolved=local(5, 2, 10),
            ),
        ]
    )
    # April's Tuesdays (7, 14, 21, 28): 3 walk-ins an hour at the Orangi counter from 09:00 to 17:00.
    for day in (7, 14, 21, 28):
        for hour in range(9, 17):
            for k in range(3):
                at = local(4, day, hour, 5 + 20 * k)
                session.add(
                    complaint(
                        town="orangi",
                        dept="kwsb",
                        cat="water-supply",
                        channel="walk_in",
                        counter="town-orangi-pc-02",
                        registered=at,
                        due=at + timedelta(days=3),
                        status="closed",
                        resolved=at + timedelta(hours=1),
                    )
                )
    # Tuesday 12 May, 09:40-15:00 Karachi: the Orangi counter down (power), 5 h 20 min.
    # 31 May 23:00 to 1 June 01:00: Lyari's counter down (link) across midnight and the month's end.
    # 20 May: planned work at Gadap, in a maintenance window (shown apart, not counted).
    outages = [
        ("walk-in-orangi", "town-orangi", "orangi", "power", local(5, 12, 9, 40), local(5, 12, 15), False),
        ("walk-in-lyari", "town-lyari", "lyari", "link", local(5, 31, 23), local(6, 1, 1), False),
        ("walk-in-gadap", "town-gadap", "gadap", "power", local(5, 20, 10), local(5, 20, 12), True),
    ]
    for i, (channel, site, town, cause, a, b, maint) in enumerate(outages, 1):
        session.add(
            OutageRow(
                id=i,
                scope="site",
                subject_id=site,
                site_id=site,
                town_id=town,
                cause=cause,
                started_at=a,
                ended_at=b,
                channels=[channel],
                affected=[],
                in_maintenance=maint,
                reason="",
            )
        )
        spans = [
            (local(4, 1), a, "up", ""),
            (a, b, "unknown" if maint else "down", "maintenance window" if maint else cause),
            (b, None, "up", ""),
        ]
        for s, e, state, reason in spans:
            session.add(
                StateInterval(scope="channel", subject_id=channel, state=state, reason=reason, started_at=s, ended_at=e)
            )
