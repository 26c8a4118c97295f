"""Internal tickets for planned work: a maintenance window's ticket, raised by an engineer, and the preventive
maintenance the city's procedure prescribes (radio towers every 6 months, network health checks monthly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.roles import Actor
from complaint_core.services.internal import raise_internal_ticket
from noc_api.db import noc_models as nm
from noc_api.db.ticket_models import PlannedTicket
from noc_api.runtime import Runtime
from noc_api.services.complaints import core_config, load_directory


@dataclass(frozen=True)
class Preventive:
    device_kinds: frozenset[str]
    months: int  # how often
    work: str


PREVENTIVE = (
    Preventive(
        frozenset({"radio"}),
        6,
        "Radio tower maintenance: repaint, guy wires, power and data cables, alignment and signal check",
    ),
    Preventive(
        frozenset({"switch", "router", "firewall"}),
        1,
        "Health check: logs reviewed, firmware and configuration backup, port errors",
    ),
)


class PlannedError(ValueError):
    """Planned work that cannot be ticketed; the message says why."""


def period_key(now: datetime, months: int) -> str:
    """The scheduling period ``now`` falls in: '2026H2' for 6 months, '2026-05' for 1 month."""
    if months == 1:
        return f"{now:%Y-%m}"
    index = (now.month - 1) // months + 1
    return f"{now.year}P{index}of{12 // months}" if months != 6 else f"{now.year}H{index}"


def _raise(
    session: Session, runtime: Runtime, *, source: str, town: str | None, description: str, actor: Actor, now: datetime
) -> str:
    existing = session.scalar(select(PlannedTicket).where(PlannedTicket.source == source))
    if existing is not None:
        return existing.tracking_number
    reg = raise_internal_ticket(
        session,
        category_id="noc-maintenance",
        description=description,
        source_ref=source,
        directory=load_directory(session, runtime.inventory.city.code),
        now=now,
        config=core_config(runtime.settings, runtime.inventory.city.timezone),
        town_id=town,
        actor=actor,
    )
    session.add(PlannedTicket(source=source, tracking_number=reg.tracking_number, created_at=now))
    session.flush()
    return reg.tracking_number


def ticket_for_window(
    session: Session, runtime: Runtime, *, window_id: int, note: str, actor: Actor, now: datetime
) -> str:
    """Raise (once) the internal ticket for a maintenance window; returns its tracking number."""
    w = session.get(nm.MaintenanceWindow, window_id)
    if w is None:
        raise PlannedError(f"no maintenance window {window_id}")
    topo = runtime.topology
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
    return _raise(session, runtime, source=f"maintenance:{w.id}", town=town, description=text, actor=actor, now=now)


def schedule_preventive(session: Session, runtime: Runtime, now: datetime) -> list[str]:
    """Raise this period's preventive-maintenance tickets that do not exist yet (idempotent)."""
    raised = []
    for site, dev in runtime.inventory.devices():
        for task in PREVENTIVE:
            if dev.kind.value not in task.device_kinds:
                continue
            source = f"preventive:{dev.id}:{period_key(now, task.months)}"
            if session.scalar(select(PlannedTicket.id).where(PlannedTicket.source == source)):
                continue
            raised.append(
                _raise(
                    session,
                    runtime,
                    source=source,
                    town=site.town,
                    description=f"{task.work} — {dev.name or dev.id} ({dev.id}) at {site.name}.",
                    actor=Actor.system("noc"),
                    now=now,
                )
            )
    return raised
