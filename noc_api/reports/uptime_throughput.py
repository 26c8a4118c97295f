"""Uptime beside throughput: for each complaint channel, how long it was up, what it carried, and what it
would have carried while it was down (from the same hours' usual rate over the four weeks before)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from complaint_core.services.figures import arrivals
from noc_api.db.noc_models import OutageRow
from noc_api.health.durations import format_duration
from noc_api.inventory import Inventory
from noc_api.reports.expected import expected_missed, usual_rates

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


def _arrivals(session: Session, inv: Inventory, start: datetime, end: datetime) -> dict[str, list[tuple]]:
    """Per inventory channel: (quarter-hour, complaints) buckets of what arrived in [start, end)."""
    resolve = channel_resolver(inv)
    out: dict[str, list[tuple]] = defaultdict(list)
    for at, channel, counter_id, n in arrivals(session, start=start, end=end):
        cid = resolve(channel, {"counter": counter_id} if counter_id else None)
        if cid:
            out[cid].append((at, n))
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
        if ch.kind.value == "internal":  # the NOC's own tickets are no citizen channel's throughput
            continue
        times = arrivals.get(ch.id, [])
        spans = [(s, e) for s, e, _, _ in down.get(ch.id, [])]
        in_period = [(max(s, start), e) for s, e in spans if e > start]
        rates = usual_rates(times, (start - HISTORY, start), spans, tz)
        received = sum(n for t, n in times if start <= t < end)
        up = uptime_by.get(ch.id, {})
        lost_s = float(
            up["seconds_lost"]
            if "seconds_lost" in up
            else up["minutes_lost"] * 60
            if "minutes_lost" in up
            else sum((e - s).total_seconds() for s, e in in_period)
        )
        span_min = max(0.0, (min(end, now) - start).total_seconds() / 60)
        maint_min = float(up.get("maintenance_minutes", 0.0))
        # Time nobody observed (no agent, never heard) is not monitored: neither up nor down.
        unmonitored_min = float(up["unknown_minutes"]) if "unknown_minutes" in up else 0.0
        observed_min = max(0.0, span_min - maint_min - unmonitored_min)
        monitored = up.get("uptime_percent") is not None if up else observed_min > 0
        up_hours = max(0.0, observed_min - lost_s / 60) / 60
        causes = sorted({c for s, e, c, _ in down.get(ch.id, []) if e > start})
        rows.append(
            {
                "channel": ch.id,
                "name": ch.name,
                "kind": ch.kind.value,
                "site": ch.site,
                "monitored": monitored,
                "uptime_percent": up.get("uptime_percent") if monitored else None,
                "observed_minutes": round(observed_min, 1),
                "unmonitored_minutes": round(unmonitored_min, 1),
                "downtime_minutes": round(lost_s / 60, 1) if monitored else None,
                "downtime_seconds": round(lost_s, 3) if monitored else None,
                "maintenance_minutes": maint_min,
                "outages": sorted({o for s, e, _, o in down.get(ch.id, []) if e > start}),
                "causes": causes,
                "received": received,
                "per_uptime_hour": round(received / up_hours, 2) if monitored and up_hours > 0 else None,
                "expected_missed": round(expected_missed(in_period, rates, tz), 1),
            }
        )
    return rows


def story(row: dict[str, Any]) -> str | None:
    """'Orangi walk-in counter was down 5 h 20 min (power), about 31 walk-in complaints not received.'

    Only a channel that was down gets a line; a channel nobody observed gets none (it reads "not monitored")."""
    lost = row.get("downtime_seconds")
    if lost is None and "downtime_seconds" not in row:
        lost = (row.get("downtime_minutes") or 0) * 60
    if not lost or round(lost) < 1:
        return None
    causes = ", ".join(c for c in row["causes"] if c != "unknown") or "cause unknown"
    missed = row.get("expected_missed") or 0
    lost_words = (
        f"about {missed:.0f} {row['kind'].replace('_', '-')} complaints not received"
        if round(missed) >= 1
        else "no complaints were expected in that time"
    )
    return f"{row['name']} was down {format_duration(lost)} ({causes}), {lost_words}."
