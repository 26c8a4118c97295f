"""Internal tickets for planned work raised by hand: a maintenance window's ticket, raised by an engineer.

The city's preventive maintenance (the plans of maintenance.yaml) is raised by ``noc_api.maintenance.work``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.roles import Actor
from complaint_core.services.internal import raise_internal_ticket
from noc_api.complaints.desk import ComplaintDesk
from noc_api.db import noc_models as nm
from noc_api.db.ticket_models import PlannedTicket
from noc_api.health.topology import Topology


class PlannedError(ValueError):
    """Planned work that cannot be ticketed; the message says why."""


def _raise(
    session: Session,
    desk: ComplaintDesk,
    *,
    source: str,
    town: str | None,
    description: str,
    actor: Actor,
    now: datetime,
) -> str:
    existing = session.scalar(select(PlannedTicket).where(PlannedTicket.source == source))
    if existing is not None:
        return existing.tracking_number
    reg = raise_internal_ticket(
        session,
        category_id="noc-maintenance",
        description=description,
        source_ref=source,
        directory=desk.directory(session),
        now=now,
        config=desk.config,
        town_id=town,
        actor=actor,
    )
    session.add(PlannedTicket(source=source, tracking_number=reg.tracking_number, created_at=now))
    session.flush()
    return reg.tracking_number


def ticket_for_window(
    session: Session, desk: ComplaintDesk, topology: Topology, *, window_id: int, note: str, actor: Actor, now: datetime
) -> str:
    """Raise (once) the internal ticket for a maintenance window; returns its tracking number."""
    w = session.get(nm.MaintenanceWindow, window_id)
    if w is None:
        raise PlannedError(f"no maintenance window {window_id}")
    topo = topology
    site = {
        "device": lambda s: topo.devices[s].site_id,
        "site": lambda s: s,
        "channel": lambda s: topo.channels[s].site_id,
    }[w.scope](w.subject_id)
    town = topo.sites[site].town_id if site in topo.sites else None
    text = (
        f"Planned work on {w.scope} {w.subject_id} from {w.starts_at:%Y-%m-%d %H:%M} to "
        f"{w.ends_at:%Y-%m-%d %H:%M} UTC (maintenance window #{w.id}). {w.note} {note}"
    ).strip()
    return _raise(session, desk, source=f"maintenance:{w.id}", town=town, description=text, actor=actor, now=now)
