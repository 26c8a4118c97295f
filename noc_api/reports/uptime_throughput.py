"""Uptime beside throughput: for each complaint channel, how long it was up, what it carried, and what it
would have carried while it was down (from the same hours' usual rate over the four weeks before)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, or_, select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from noc_api.db.noc_models import OutageRow
from noc_api.inventory import Inventory
from noc_api.reports.expected import expected_missed, usual_rates

C = ComplaintRow.__table__.c
O = OutageRow.__table__.c  # noqa: E741
HISTORY = timedelta(days=28)
# The complaint channel kind each inventory channel carries.
FIXED = {
    "call_centre": "call_centre",
    "web": "web",
    "chatbot": "chatbot",
    "sms": "sms",
    "mayor_office": "mayor_office",
    "email": "email",
    "internal": "internal",
}


def channel_resolver(inv: Inventory):  # noqa: ANN201
    """A function (complaint channel, channel_data) -> inventory channel id.

    Walk-ins are told apart by their counter: a workstation id, a site id or a walk-in channel id.
    """
    by_kind = {c.kind.value: c.id for c in inv.channels if c.kind.value != "walk_in"}
    walk_in_by_site = {c.site: c.id for c in inv.channels if c.kind.value == "walk_in" and c.site}
    site_of_device = {d.id: s.id for s, d in inv.devices()}
    walk_in_ids = set(walk_in_by_site.values())

    def resolve(channel: str, data: dict | None) -> str | None:
        if channel != "walk_in":
            return by_kind.get(FIXED.get(channel, channel))
        counter = str((data or {}).get("counter", ""))
        if counter in walk_in_ids:
            return counter
        site = site_of_device.get(counter, counter)
        return walk_in_by_site.get(site)

    return resolve


QUARTER = 900  # seconds: every city's local hours start on a UTC quarter hour


def _bucket(session: Session):  # noqa: ANN202
    """registered_at as its quarter hour since the epoch (numbers group faster than formatted strings)."""
    t = C.registered_at
    if session.get_bind().dialect.name == "postgresql":
        return func.floor(func.extract("epoch", t) / QUARTER)
    return cast((func.julianday(t) - 2440587.5) * (86400 / QUARTER), Integer)


def _arrivals(session: Session, inv: Inventory, start: datetime, end: datetime) -> dict[str, list[tuple]]:
    """Per inventory channel: (quarter-hour, complaints) buckets of what arrived in [start, end)."""
    resolve = channel_resolver(inv)
    bucket = _bucket(session).label("bucket")
    counter = case((C.channel == "walk_in", C.channel_data["counter"].as_string()), else_=None).label("counter")
    stmt = (
        select(bucket, C.channel, counter, func.count())
        .where(C.registered_at >= start, C.registered_at < end)
        .group_by(bucket, C.channel, counter)
    )
    out: dict[str, list[tuple]] = defaultdict(list)
    for at, channel, counter_id, n in session.execute(stmt):
        cid = resolve(channel, {"counter": counter_id} if counter_id else None)
        if cid:
            out[cid].append((datetime.fromtimestamp(int(at) * QUARTER, UTC), n))
    return out


def _down_spans(session: Session, start: datetime, end: datetime, now: datetime) -> dict[str, list[tuple]]:
    """Per channel: (start, end, cause, outage id) of the outages that took it down, clipped to [start, end)."""
    stmt = select(O.id, O.started_at, O.ended_at, O.cause, O.channels, O.in_maintenance).where(
        O.started_at < end, or_(O.ended_at.is_(None), O.ended_at > start)
    )
    out: dict[str, list[tuple]] = defaultdict(list)
    for oid, a, b, cause, channels, maint in session.execute(stmt):
        if maint:
            continue
        s, e = max(a, start), min(b or now, end, now)
        if s < e:
            for ch in channels or []:
                out[ch].append((s, e, cause, oid))
    return out


def uptime_throughput(
    session: Session,
    inv: Inventory,
    uptime_rows: list[dict[str, Any]],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[dict[str, Any]]:
    """One row per channel: uptime, downtime, outages and causes, complaints carried and expected but lost."""
    tz = ZoneInfo(inv.city.timezone)
    arrivals = _arrivals(session, inv, start - HISTORY, end)
    down = _down_spans(session, start - HISTORY, end, now)
    uptime_by = {r["id"]: r for r in uptime_rows}
    rows = []
    for ch in inv.channels:
        times = arrivals.get(ch.id, [])
        spans = [(s, e) for s, e, _, _ in down.get(ch.id, [])]
        in_period = [(max(s, start), e) for s, e in spans if e > start]
        rates = usual_rates(times, (start - HISTORY, start), spans, tz)
        received = sum(n for t, n in times if start <= t < end)
        up = uptime_by.get(ch.id, {})
        lost_min = float(up.get("minutes_lost", sum((e - s).total_seconds() for s, e in in_period) / 60))
        measured_h = max(0.0, (min(end, now) - start).total_seconds() / 3600 - lost_min / 60)
        causes = sorted({c for s, e, c, _ in down.get(ch.id, []) if e > start})
        rows.append(
            {
                "channel": ch.id,
                "name": ch.name,
                "kind": ch.kind.value,
                "site": ch.site,
                "uptime_percent": up.get("uptime_percent"),
                "downtime_minutes": round(lost_min, 1),
                "maintenance_minutes": up.get("maintenance_minutes", 0.0),
                "outages": sorted({o for s, e, _, o in down.get(ch.id, []) if e > start}),
                "causes": causes,
                "received": received,
                "per_uptime_hour": round(received / measured_h, 2) if measured_h > 0 else None,
                "expected_missed": round(expected_missed(in_period, rates, tz), 1),
            }
        )
    return rows


def story(row: dict[str, Any]) -> str | None:
    """'Orangi walk-in counter was down 5 h 20 min (power), about 31 walk-in complaints not received.'"""
    if not row["downtime_minutes"]:
        return None
    minutes = int(round(row["downtime_minutes"]))
    took = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    causes = ", ".join(row["causes"]) or "cause unknown"
    return (
        f"{row['name']} was down {took} ({causes}), about {row['expected_missed']:.0f} "
        f"{row['kind'].replace('_', '-')} complaints not received."
    )
