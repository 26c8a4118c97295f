"""Persist an evaluation: state intervals (close the old, open the new) and outages (insert, update, close)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.health.evaluate import Evaluation, Verdict
from noc_api.health.model import Cause, Outage, OutageEvent, OutageEventKind, Scope
from noc_api.health.outages import OutagePlan, Tracked

SI = nm.StateInterval.__table__
OUT = nm.OutageRow.__table__


@dataclass
class Current:
    """An open interval: what a subject is now and since when."""

    interval_id: int
    state: str
    reason: str
    root_cause: str | None
    started_at: datetime


def load_current(session: Session) -> dict[tuple[str, str], Current]:
    """Every open interval by (scope, subject)."""
    rows = session.execute(
        select(SI.c.id, SI.c.scope, SI.c.subject_id, SI.c.state, SI.c.reason, SI.c.root_cause, SI.c.started_at).where(
            SI.c.ended_at.is_(None)
        )
    )
    return {(r.scope, r.subject_id): Current(r.id, r.state, r.reason, r.root_cause, r.started_at) for r in rows}


def save_intervals(
    session: Session, current: dict[tuple[str, str], Current], ev: Evaluation, now: datetime
) -> dict[tuple[str, str], Current]:
    """Close intervals whose state changed, open new ones, refresh reasons in place; returns the new current map.

    A change is dated ``now`` unless the verdict knows it began earlier (a silent site: when it was last heard);
    then the old interval closes and the new one opens at that time (never before the old one began).
    """
    wanted: dict[tuple[str, str], Verdict] = {}
    for scope, verdicts in ((Scope.DEVICE, ev.devices), (Scope.SITE, ev.sites), (Scope.CHANNEL, ev.channels)):
        for subject, v in verdicts.items():
            wanted[(scope.value, subject)] = v
    to_close: list[dict[str, Any]] = []
    to_open: list[dict[str, Any]] = []
    reasons: list[dict[str, Any]] = []
    for key, v in wanted.items():
        cur = current.get(key)
        if cur is not None and cur.state == v.state.value and cur.root_cause == v.root_cause:
            if cur.reason != v.reason[:300]:
                reasons.append({"b_id": cur.interval_id, "b_reason": v.reason[:300]})
                cur.reason = v.reason[:300]
            continue
        at = changed_at(v, cur, now)
        if cur is not None:
            to_close.append({"b_id": cur.interval_id, "b_at": at})
        to_open.append(
            {
                "scope": key[0],
                "subject_id": key[1],
                "state": v.state.value,
                "reason": v.reason[:300],
                "root_cause": v.root_cause,
                "started_at": at,
                "ended_at": None,
            }
        )
    gone = [{"b_id": cur.interval_id, "b_at": now} for key, cur in current.items() if key not in wanted]
    conn = session.connection()
    if to_close or gone:
        stmt = update(SI).where(SI.c.id == bindparam("b_id")).values(ended_at=bindparam("b_at"))
        conn.execute(stmt, to_close + gone)
    if reasons:
        conn.execute(update(SI).where(SI.c.id == bindparam("b_id")).values(reason=bindparam("b_reason")), reasons)
    new = {k: c for k, c in current.items() if k in wanted}
    if to_open:
        ids = conn.execute(SI.insert().returning(SI.c.id, sort_by_parameter_order=True), to_open).scalars().all()
        for row, new_id in zip(to_open, ids, strict=True):
            key = (row["scope"], row["subject_id"])
            new[key] = Current(new_id, row["state"], row["reason"], row["root_cause"], row["started_at"])
    return new


def changed_at(v: Verdict, cur: Current | None, now: datetime) -> datetime:
    """When a new state began: ``now``, or earlier when the verdict knows (not before the previous interval)."""
    if v.since is None:
        return now
    at = min(now, datetime.fromtimestamp(v.since, UTC))
    return max(at, cur.started_at) if cur is not None else at


def outage_of_row(r) -> Outage:  # noqa: ANN001  (an `outages` row, Core or ORM)
    """The contract value of a stored outage."""
    return Outage(
        id=r.id,
        scope=Scope(r.scope),
        subject_id=r.subject_id,
        site_id=r.site_id,
        town_id=r.town_id,
        root_cause_device=r.root_cause_device,
        cause=Cause(r.cause),
        started_at=r.started_at,
        ended_at=r.ended_at,
        channels=tuple(r.channels or ()),
        affected=tuple(r.affected or ()),
        in_maintenance=bool(r.in_maintenance),
    )


def load_open_outages(session: Session) -> list[Tracked]:
    """Outages not yet closed, with their hold-down state."""
    rows = session.execute(select(OUT).where(OUT.c.ended_at.is_(None)).order_by(OUT.c.id))
    return [Tracked(outage_of_row(r), r.recovered_at) for r in rows]


def _values(o: Outage) -> dict:
    return {
        "scope": o.scope.value,
        "subject_id": o.subject_id,
        "site_id": o.site_id,
        "town_id": o.town_id,
        "root_cause_device": o.root_cause_device,
        "cause": o.cause.value,
        "started_at": o.started_at,
        "ended_at": o.ended_at,
        "channels": list(o.channels),
        "affected": list(o.affected),
        "in_maintenance": o.in_maintenance,
    }


def save_outages(session: Session, plan: OutagePlan, now: datetime) -> list[OutageEvent]:
    """Apply a plan; returns the events with stored ids."""
    conn = session.connection()
    events: list[OutageEvent] = []
    for o in plan.opened:
        new_id = conn.execute(OUT.insert().returning(OUT.c.id), [_values(o) | {"recovered_at": None}]).scalar_one()
        events.append(OutageEvent(OutageEventKind.OPENED, replace(o, id=new_id), now))
    for tracked, note in plan.updated:
        o = tracked.outage
        conn.execute(update(OUT).where(OUT.c.id == o.id).values(**_values(o), recovered_at=tracked.recovered_at))
        events.append(OutageEvent(OutageEventKind.UPDATED, o, now, note))
    for o in plan.closed:
        conn.execute(update(OUT).where(OUT.c.id == o.id).values(**_values(o)))
        dur = (o.ended_at - o.started_at).total_seconds() if o.ended_at else 0
        events.append(OutageEvent(OutageEventKind.CLOSED, o, now, f"lasted {dur:.0f} s"))
    return events
