"""Read side of the NOC: current state of the city, outages, uptime over a range, metric series."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.health.topology import Topology
from noc_api.health.uptime import Span, union_failed, uptime

SI = nm.StateInterval.__table__
OUT = nm.OutageRow.__table__
MW = nm.MaintenanceWindow.__table__


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def city_state(session: Session, topo: Topology) -> dict:
    """Every site with its state and its devices' states, the channels, and the open outages."""
    rows = session.execute(
        select(SI.c.scope, SI.c.subject_id, SI.c.state, SI.c.reason, SI.c.root_cause, SI.c.started_at).where(
            SI.c.ended_at.is_(None)
        )
    ).all()
    cur = {(r[0], r[1]): r for r in rows}
    iso: dict[datetime, str] = {}  # most subjects changed in the same few sweeps: format each time once
    heard = dict(session.execute(select(nm.AgentStatus.site_id, nm.AgentStatus.last_heard_ts)).all())

    def entry(scope: str, ident: str) -> dict:
        r = cur.get((scope, ident))
        if r is None:
            return {"id": ident, "state": "unknown", "reason": "not evaluated yet", "since": None}
        since = iso.get(r[5])
        if since is None:
            since = iso[r[5]] = r[5].isoformat()
        out = {"id": ident, "state": r[2], "reason": r[3], "since": since}
        if r[4]:
            out["root_cause"] = r[4]
        return out

    sites = []
    for site_id, node in topo.sites.items():
        s = entry("site", site_id) | {"town_id": node.town_id, "kind": node.kind}
        ts = heard.get(site_id)
        s["last_heard"] = datetime.fromtimestamp(ts, UTC).isoformat() if ts else None
        s["devices"] = [entry("device", d) | {"kind": topo.devices[d].kind} for d in topo.site_devices.get(site_id, ())]
        sites.append(s)
    channels = [entry("channel", c) | {"kind": n.kind, "site_id": n.site_id} for c, n in topo.channels.items()]
    counts: dict[str, int] = {}
    for s in sites:
        counts[s["state"]] = counts.get(s["state"], 0) + 1
    return {"sites": sites, "channels": channels, "site_counts": counts, "outages": outages(session, open_only=True)}


@dataclass
class StateCache:
    """The encoded city state and the change marker it was built at (one per server process)."""

    marker: tuple | None = None
    body: bytes = b""
    lock: threading.Lock = field(default_factory=threading.Lock)


def city_state_json(session: Session, topo: Topology, cache: StateCache) -> bytes:
    """The whole-city state as JSON, rebuilt only when states or outages changed since the last build."""
    marker = change_marker(session)
    if marker == cache.marker:
        return cache.body
    with cache.lock:
        if marker != cache.marker:
            body = json.dumps(city_state(session, topo), separators=(",", ":")).encode()
            cache.marker, cache.body = marker, body
        return cache.body


def _outage_dict(r) -> dict:  # noqa: ANN001
    dur = ((r.ended_at or datetime.now(UTC)) - r.started_at).total_seconds()
    return {
        "id": r.id,
        "scope": r.scope,
        "subject_id": r.subject_id,
        "site_id": r.site_id,
        "town_id": r.town_id,
        "root_cause_device": r.root_cause_device,
        "cause": r.cause,
        "started_at": _iso(r.started_at),
        "ended_at": _iso(r.ended_at),
        "recovering_since": _iso(r.recovered_at),
        "duration_seconds": round(dur, 1),
        "channels": list(r.channels or []),
        "affected": list(r.affected or []),
        "in_maintenance": bool(r.in_maintenance),
    }


def outages(
    session: Session,
    *,
    open_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    site: str | None = None,
    town: str | None = None,
    cause: str | None = None,
    scope: str | None = None,
    channel: str | None = None,
    limit: int = 200,
) -> list[dict]:
    """Outages, newest first, filtered."""
    q = select(OUT).order_by(OUT.c.started_at.desc(), OUT.c.id.desc()).limit(limit)
    if open_only:
        q = q.where(OUT.c.ended_at.is_(None))
    if since:
        q = q.where(or_(OUT.c.ended_at.is_(None), OUT.c.ended_at >= since))
    if until:
        q = q.where(OUT.c.started_at < until)
    for col, val in ((OUT.c.site_id, site), (OUT.c.town_id, town), (OUT.c.cause, cause), (OUT.c.scope, scope)):
        if val:
            q = q.where(col == val)
    rows = [_outage_dict(r) for r in session.execute(q)]
    if channel:  # JSON containment differs per backend: filter here
        rows = [r for r in rows if channel in r["channels"]]
    return rows


def _spans(session: Session, scope: str, start: datetime, end: datetime) -> dict[str, list[Span]]:
    q = select(SI.c.subject_id, SI.c.started_at, SI.c.ended_at, SI.c.state, SI.c.reason).where(
        SI.c.scope == scope, SI.c.started_at < end, or_(SI.c.ended_at.is_(None), SI.c.ended_at > start)
    )
    out: dict[str, list[Span]] = {}
    for r in session.execute(q):
        out.setdefault(r[0], []).append(Span(r[1], r[2], r[3], maintenance=r[4].startswith("maintenance")))
    return out


def _windows(session: Session, start: datetime, end: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    for r in session.execute(
        select(MW.c.subject_id, MW.c.starts_at, MW.c.ends_at).where(MW.c.starts_at < end, MW.c.ends_at > start)
    ):
        out.setdefault(r[0], []).append((r[1], r[2]))
    return out


def uptime_report(
    session: Session, topo: Topology, kind: str, start: datetime, end: datetime, now: datetime
) -> list[dict]:
    """Uptime per channel, site, town or device over [start, end): ratio, minutes lost, maintenance apart."""
    scope = "site" if kind == "town" else kind
    spans = _spans(session, scope, start, end)
    windows = _windows(session, start, end)
    if kind == "channel":
        subjects = {
            c: (spans.get(c, []), windows.get(c, []) + windows.get(n.site_id or "", []))
            for c, n in topo.channels.items()
        }
    elif kind == "site":
        subjects = {s: (spans.get(s, []), windows.get(s, [])) for s in topo.sites}
    elif kind == "device":
        subjects = {
            d: (spans.get(d, []), windows.get(d, []) + windows.get(n.site_id, [])) for d, n in topo.devices.items()
        }
    else:
        towns: dict[str, list[str]] = {}
        for s, n in topo.sites.items():
            towns.setdefault(n.town_id, []).append(s)
        subjects = {
            t: (union_failed([spans.get(s, []) for s in ss]), [w for s in ss for w in windows.get(s, [])])
            for t, ss in towns.items()
        }
    lost_by = _outages_by_subject(session, kind, start, end, topo)
    report = []
    for ident, (sp, win) in subjects.items():
        f = uptime(sp, win, start, end, now)
        report.append(
            {
                "id": ident,
                "uptime_percent": None if f.ratio is None else round(100 * f.ratio, 3),
                "minutes_lost": round(f.lost_seconds / 60, 2),
                "maintenance_minutes": round(f.maintenance_seconds / 60, 2),
                "unknown_minutes": round(f.unknown_seconds / 60, 2),
                "outages": lost_by.get(ident, []),
            }
        )
    return report


def _outages_by_subject(
    session: Session, kind: str, start: datetime, end: datetime, topo: Topology
) -> dict[str, list[int]]:
    """Which outages touched each subject in the range."""
    q = select(OUT.c.id, OUT.c.site_id, OUT.c.town_id, OUT.c.subject_id, OUT.c.channels, OUT.c.affected).where(
        OUT.c.started_at < end, or_(OUT.c.ended_at.is_(None), OUT.c.ended_at > start)
    )
    out: dict[str, list[int]] = {}
    for r in session.execute(q):
        names = set(r.channels or []) | set(r.affected or []) | {r.subject_id, r.site_id}
        if kind == "town":
            names |= {topo.sites[s].town_id for s in names if s in topo.sites}
        for n in names:
            if n:
                out.setdefault(n, []).append(r.id)
    return out


def series(
    session: Session,
    device: str,
    metric: str,
    start: datetime,
    end: datetime,
    step: str = "raw",
    labels: str | None = None,
) -> list[dict]:
    """A device metric's points: raw, or 5-minute / hourly rollups (min, max, avg, count)."""
    a, b = start.timestamp(), end.timestamp()
    if step == "raw":
        t = nm.ReadingRaw.__table__
        q = select(t.c.ts, t.c.labels, t.c.value).where(
            t.c.device_id == device, t.c.metric == metric, t.c.ts >= a, t.c.ts < b
        )
        if labels is not None:
            q = q.where(t.c.labels == labels)
        return [
            {"at": _at(r[0]), "labels": r[1], "value": r[2]} for r in session.execute(q.order_by(t.c.ts).limit(20000))
        ]
    period = {"5m": 300, "1h": 3600}[step]
    t = nm.ReadingRollup.__table__
    q = select(t.c.bucket, t.c.labels, t.c.vmin, t.c.vmax, t.c.vavg, t.c.count).where(
        and_(t.c.period == period, t.c.device_id == device, t.c.metric == metric, t.c.bucket >= a, t.c.bucket < b)
    )
    if labels is not None:
        q = q.where(t.c.labels == labels)
    return [
        {"at": _at(r[0]), "labels": r[1], "min": r[2], "max": r[3], "avg": r[4], "count": r[5]}
        for r in session.execute(q.order_by(t.c.bucket))
    ]


def _at(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def change_marker(session: Session) -> tuple:
    """A cheap value that changes whenever states or outages change (for live event streams)."""
    return (
        session.scalar(select(func.max(SI.c.id))),
        session.scalar(select(func.max(OUT.c.id))),
        session.scalar(select(func.count()).select_from(OUT).where(OUT.c.ended_at.is_(None))),
        session.scalar(
            select(func.count()).select_from(OUT).where(OUT.c.recovered_at.is_not(None), OUT.c.ended_at.is_(None))
        ),
    )
