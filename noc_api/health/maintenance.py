"""Maintenance windows: planned work, shown apart and not counted against uptime."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.health.topology import Topology


class MaintenanceError(ValueError):
    """A window that cannot be recorded; the message says why."""


def window_dict(w: nm.MaintenanceWindow) -> dict:
    return {
        "id": w.id,
        "scope": w.scope,
        "subject_id": w.subject_id,
        "starts_at": w.starts_at.isoformat(),
        "ends_at": w.ends_at.isoformat(),
        "note": w.note,
        "created_by": w.created_by,
    }


def add_window(
    session: Session,
    topo: Topology,
    *,
    scope: str,
    subject_id: str,
    starts_at: datetime,
    ends_at: datetime,
    note: str,
    by: str,
) -> dict:
    """Record a window for a device, site or channel."""
    spaces: dict[str, Collection[str]] = {"device": topo.devices, "site": topo.sites, "channel": topo.channels}
    known = spaces.get(scope)
    if known is None:
        raise MaintenanceError(f"scope must be device, site or channel, not {scope!r}")
    if subject_id not in known:
        raise MaintenanceError(f"unknown {scope} {subject_id!r}")
    if ends_at <= starts_at:
        raise MaintenanceError("ends_at must be after starts_at")
    w = nm.MaintenanceWindow(
        scope=scope, subject_id=subject_id, starts_at=starts_at, ends_at=ends_at, note=note, created_by=by
    )
    session.add(w)
    session.flush()
    return window_dict(w)


def list_windows(session: Session, since: datetime | None = None) -> list[dict]:
    """Windows, newest first (those ending after ``since`` when given)."""
    q = select(nm.MaintenanceWindow).order_by(nm.MaintenanceWindow.starts_at.desc())
    if since:
        q = q.where(nm.MaintenanceWindow.ends_at > since)
    return [window_dict(w) for w in session.scalars(q)]


def delete_window(session: Session, window_id: int) -> bool:
    """Remove a window; False when there is none."""
    w = session.get(nm.MaintenanceWindow, window_id)
    if w is None:
        return False
    session.delete(w)
    return True


def end_window(session: Session, window_id: int, now: datetime) -> str | None:
    """End a window early: one under way ends now (kept for the record), one not begun is cancelled.
    Returns "ended" or "cancelled", or None when there is no such window or it is already over."""
    w = session.get(nm.MaintenanceWindow, window_id)
    if w is None or w.ends_at <= now:
        return None
    if w.starts_at > now:
        session.delete(w)
        return "cancelled"
    w.ends_at = now
    return "ended"
