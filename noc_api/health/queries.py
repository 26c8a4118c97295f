"""Read side of the NOC: current state of the city, outages, uptime over a range, metric series."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from noc_api.alerting.models import AlertHistory
from noc_api.db import noc_models as nm
from noc_api.health import state_view
from noc_api.health.durations import format_duration
from noc_api.health.state_view import StateCache
from noc_api.health.topology import Topology
from noc_api.health.uptime import Span, union_failed, uptime

SI = nm.StateInterval.__table__
OUT = nm.OutageRow.__table__
MW = nm.MaintenanceWindow.__table__


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def city_state(session: Session, topo: Topology) -> dict:
    """Every site with its state and its devices' states, the channels, and the open outages (built at each call;
    the wall and the event stream read it)."""
    return state_view.city_state(session, topo, outages(session, open_only=True))


def city_state_json(session: Session, topo: Topology, cache: StateCache) -> bytes:
    """The whole-city state as JSON: the topology's skeleton cached, every state and time read now."""
    return state_view.city_state_json(session, topo, cache, outages(session, open_only=True))


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
        "duration": format_duration(dur),
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
    for r in session.execute(q).all():  # a month of a city is tens of thousands of rows: fetched at once
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
                "seconds_lost": round(f.lost_seconds, 3),  # unrounded enough for the one duration formatter
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
    sr = nm.Series.__table__
    keys = select(sr.c.id, sr.c.labels).where(sr.c.device_id == device, sr.c.metric == metric)
    if labels is not None:
        keys = keys.where(sr.c.labels == labels)
    label_of = {i: lab for i, lab in session.execute(keys)}
    if not label_of:
        return []
    if step == "raw":
        t = nm.Point.__table__
        raw = select(t.c.ts, t.c.series_id, t.c.value).where(t.c.series_id.in_(list(label_of)), t.c.ts >= a, t.c.ts < b)
        return [
            {"at": _at(r[0]), "labels": label_of[r[1]], "value": r[2]}
            for r in session.execute(raw.order_by(t.c.ts).limit(20000))
        ]
    period = {"5m": 300, "1h": 3600}[step]
    t = nm.Rollup.__table__
    q = select(t.c.bucket, t.c.series_id, t.c.vmin, t.c.vmax, t.c.vavg, t.c.count).where(
        and_(t.c.period == period, t.c.series_id.in_(list(label_of)), t.c.bucket >= a, t.c.bucket < b)
    )
    return [
        {"at": _at(r[0]), "labels": label_of[r[1]], "min": r[2], "max": r[3], "avg": r[4], "count": r[5]}
        for r in session.execute(q.order_by(t.c.bucket))
    ]


def _at(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def change_marker(session: Session) -> tuple:
    """A cheap value that changes whenever states, outages or alerts change (for live event streams): an alert
    firing, acknowledged, muted or resolved appends to its history."""
    return (
        session.scalar(select(func.max(AlertHistory.id))),
        session.scalar(select(func.max(SI.c.id))),
        session.scalar(select(func.max(OUT.c.id))),
        session.scalar(select(func.count()).select_from(OUT).where(OUT.c.ended_at.is_(None))),
        session.scalar(
            select(func.count()).select_from(OUT).where(OUT.c.recovered_at.is_not(None), OUT.c.ended_at.is_(None))
        ),
    )
