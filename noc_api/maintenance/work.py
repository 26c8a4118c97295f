"""Maintenance as work people do: each period's tickets, starting the work, ticking the checklist.

- ``schedule``: every plan raises this period's ticket at every site it applies to, once (a restart or a second
  run finds the row by plan, site and period); the ticket is assigned to the town's IT queue and due by the
  period's end; its checklist is stored beside it.
- ``start``: the ticket goes in progress and maintenance windows open for its devices, so planned work never
  shows as an outage; ``sync_windows`` keeps windows in step when the ticket is moved through the complaint API.
- ``tick``: an item is done or failed (who and when recorded); a failed item raises a fault ticket; the last
  tick resolves the ticket and closes its windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from complaint_core.lifecycle import Command
from complaint_core.model import ComplaintStatus, Forbidden, IllegalTransition
from complaint_core.roles import Actor
from complaint_core.services.actions import act
from complaint_core.services.internal import raise_internal_ticket, resolve_internal_ticket, set_deadline
from complaint_core.services.lookups import ComplaintRecord, complaint, complaints, get_complaint, statuses
from noc_api.complaints.desk import ComplaintDesk
from noc_api.db import noc_models as nm
from noc_api.db.maintenance_models import MaintenanceItem, MaintenanceTicket
from noc_api.inventory import Inventory
from noc_api.inventory.model import Site
from noc_api.maintenance.periods import Period, period_of
from noc_api.maintenance.plans import Plan, Task, tasks_for
from noc_api.tickets.queues import it_queue

NOC = Actor.system("noc")
FINISHED = {ComplaintStatus.RESOLVED, ComplaintStatus.VERIFIED, ComplaintStatus.CLOSED, ComplaintStatus.REJECTED}
RESULTS = ("done", "failed")
LATE_WINDOW = timedelta(hours=8)  # work started after the period's end still gets a window this long


class MaintenanceError(ValueError):
    """A maintenance request that cannot be done; ``status`` is the HTTP status to answer with."""

    def __init__(self, msg: str, status: int = 422) -> None:
        super().__init__(msg)
        self.status = status


@dataclass
class Maintenance:
    """The city's plans with what working them needs (built once by the runtime)."""

    plans: list[Plan]
    inventory: Inventory
    desk: ComplaintDesk
    by_id: dict[str, Plan] = field(init=False)
    sites: dict[str, Site] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {p.id: p for p in self.plans}
        self.sites = {s.id: s for s in self.inventory.sites}


# -- each period's tickets --------------------------------------------------------------------------------------


def _description(plan: Plan, site: Site, period: Period, tasks: list[Task], base_url: str) -> str:
    devices = sorted({t.device_id for t in tasks if t.device_id})
    lines = [
        f"{plan.name} at {site.name}, period {period.key} (due by {period.end:%Y-%m-%d %H:%M} UTC).",
        plan.description,
        "Checklist" + (f" (for each of {len(devices)} devices)" if devices else "") + ":",
        *[f"- {i.text}" for i in plan.checklist],
    ]
    if devices:
        shown = ", ".join(devices[:30]) + (f" and {len(devices) - 30} more" if len(devices) > 30 else "")
        lines.append(f"Devices: {shown}.")
    lines.append(f"{len(tasks)} items to tick.")
    return "\n".join(x for x in lines if x)[:3900]


def _raise(session: Session, mt: Maintenance, plan: Plan, site: Site, period: Period, now: datetime) -> str:
    tasks = tasks_for(plan, site)
    desk = mt.desk
    reg = raise_internal_ticket(
        session,
        category_id=plan.category,
        description=_description(plan, site, period, tasks, desk.base_url),
        source_ref=f"maintenance:{plan.id}:{site.id}:{period.key}",
        directory=desk.directory(session),
        now=now,
        config=desk.config,
        town_id=site.town,
        assignee=it_queue(site.town),
    )
    # Due by the period's end, whatever the category promises: the SLA clock counts the working time left.
    set_deadline(session, tracking=reg.tracking_number, deadline=period.end, now=now, config=desk.config)
    ticket = MaintenanceTicket(
        plan_id=plan.id,
        site_id=site.id,
        town_id=site.town,
        period_key=period.key,
        period_start=period.start,
        due_at=period.end,
        tracking_number=reg.tracking_number,
        created_at=now,
        window_ids=[],
    )
    session.add(ticket)
    session.flush()
    for n, task in enumerate(tasks, 1):
        session.add(
            MaintenanceItem(
                ticket_id=ticket.id, position=n, item_id=task.item_id, device_id=task.device_id, text=task.text[:300]
            )
        )
    session.flush()
    return reg.tracking_number


def schedule(session: Session, mt: Maintenance, now: datetime, plans: list[Plan] | None = None) -> list[str]:
    """Raise this period's ticket of every plan (or of ``plans``) at every site it applies to, unless it exists."""
    tz = mt.desk.timezone
    plans = mt.plans if plans is None else plans
    current = {p.id: period_of(p.every, now, tz) for p in plans}
    existing = set(
        session.execute(
            select(MaintenanceTicket.plan_id, MaintenanceTicket.site_id, MaintenanceTicket.period_key).where(
                MaintenanceTicket.due_at > now
            )
        ).all()
    )
    raised = []
    for plan in plans:
        period = current[plan.id]
        for site in mt.inventory.sites:
            if (plan.id, site.id, period.key) in existing or not tasks_for(plan, site):
                continue
            raised.append(_raise(session, mt, plan, site, period, now))
    return raised


# -- working a ticket -------------------------------------------------------------------------------------------


def schedule_job(sessions: sessionmaker[Session], mt: Maintenance, now: datetime) -> int:
    """The scheduler job: one transaction per plan, so the first start never holds the database for long."""
    raised = 0
    for plan in mt.plans:
        with sessions.begin() as session:
            raised += len(schedule(session, mt, now, [plan]))
    return raised


def _ticket(session: Session, tracking: str) -> MaintenanceTicket:
    t = session.scalar(select(MaintenanceTicket).where(MaintenanceTicket.tracking_number == tracking.strip().upper()))
    if t is None:
        raise MaintenanceError(f"no maintenance ticket {tracking}", 404)
    return t


def _devices(mt: Maintenance, t: MaintenanceTicket, session: Session) -> list[str]:
    plan = mt.by_id.get(t.plan_id)
    if plan is not None and not plan.window:
        return []
    ids = session.scalars(
        select(MaintenanceItem.device_id).where(MaintenanceItem.ticket_id == t.id, MaintenanceItem.device_id != "")
    )
    known = {d.id for s in mt.inventory.sites for d in s.devices}
    return sorted({d for d in ids if d in known})


def _open_windows(session: Session, mt: Maintenance, t: MaintenanceTicket, by: str, now: datetime) -> int:
    """Maintenance windows for the ticket's devices, from now to the period's end (unless some are open)."""
    if _active_windows(session, t, now):
        return 0
    ends = max(t.due_at, now + LATE_WINDOW)
    ids = []
    for device in _devices(mt, t, session):
        w = nm.MaintenanceWindow(
            scope="device",
            subject_id=device,
            starts_at=now,
            ends_at=ends,
            note=f"Maintenance ticket {t.tracking_number} ({t.plan_id}, {t.period_key}) in progress",
            created_by=by,
        )
        session.add(w)
        session.flush()
        ids.append(w.id)
    t.window_ids = [*(t.window_ids or []), *ids]
    return len(ids)


def _active_windows(session: Session, t: MaintenanceTicket, now: datetime) -> list[nm.MaintenanceWindow]:
    if not t.window_ids:
        return []
    w = nm.MaintenanceWindow
    return list(session.scalars(select(w).where(w.id.in_(t.window_ids), w.ends_at > now)))


def _close_windows(session: Session, t: MaintenanceTicket, now: datetime) -> None:
    for w in _active_windows(session, t, now):
        w.ends_at = max(now, w.starts_at + timedelta(microseconds=1))


def start(session: Session, mt: Maintenance, *, tracking: str, actor: Actor, now: datetime) -> dict:
    """Start the work: the ticket goes in progress and windows open for its devices."""
    t = _ticket(session, tracking)
    row = get_complaint(session, t.tracking_number)
    status = ComplaintStatus(row.status)
    if status in FINISHED or t.completed_at is not None:
        raise MaintenanceError(f"maintenance ticket {t.tracking_number} is already {status.value}", 409)
    if status is not ComplaintStatus.IN_PROGRESS:
        _to_in_progress(session, mt, row, actor, now)
    t.started_at = t.started_at or now
    t.started_by = t.started_by or actor.name
    _open_windows(session, mt, t, actor.name, now)
    session.flush()
    return detail(session, mt, t.tracking_number, now)


def _to_in_progress(session: Session, mt: Maintenance, row: ComplaintRecord, actor: Actor, now: datetime) -> None:
    """Start (or resume) the ticket as ``actor``; a step their role may not take (assigning) is the NOC's."""
    cfg = mt.desk.config
    status = ComplaintStatus(row.status)
    if status in (ComplaintStatus.REGISTERED, ComplaintStatus.REOPENED, ComplaintStatus.REASSIGN_REQUESTED):
        cmd = Command("assign", params={"assignee": row.assignee or it_queue(row.town_id)})
        act(session, tracking=row.tracking_number, command=cmd, actor=NOC, now=now, config=cfg)
    action = "resume" if status is ComplaintStatus.WAITING_CITIZEN else "start"
    try:
        act(session, tracking=row.tracking_number, command=Command(action), actor=actor, now=now, config=cfg)
    except Forbidden:
        act(session, tracking=row.tracking_number, command=Command(action), actor=NOC, now=now, config=cfg)


def tick(
    session: Session,
    mt: Maintenance,
    *,
    tracking: str,
    item: int,
    result: str,
    note: str,
    actor: Actor,
    now: datetime,
) -> dict:
    """Tick one checklist item done or failed; a failure raises a fault ticket; the last tick resolves."""
    if result not in RESULTS:
        raise MaintenanceError(f"result must be one of {', '.join(RESULTS)}, not {result!r}")
    t = _ticket(session, tracking)
    line = session.scalar(select(MaintenanceItem).where(MaintenanceItem.ticket_id == t.id, MaintenanceItem.id == item))
    if line is None:
        raise MaintenanceError(f"maintenance ticket {t.tracking_number} has no item {item}", 404)
    if line.result is not None:
        raise MaintenanceError(
            f"item {item} was ticked {line.result} by {line.ticked_by} at {line.ticked_at:%Y-%m-%d %H:%M} UTC", 409
        )
    if t.completed_at is not None:
        raise MaintenanceError(f"maintenance ticket {t.tracking_number} is complete", 409)
    if result == "failed" and not note.strip():
        raise MaintenanceError("a failed item needs a note saying what is wrong")
    row = get_complaint(session, t.tracking_number)
    if ComplaintStatus(row.status) in FINISHED:
        raise MaintenanceError(f"maintenance ticket {t.tracking_number} is already {row.status}", 409)
    if t.started_at is None or ComplaintStatus(row.status) is not ComplaintStatus.IN_PROGRESS:
        start(session, mt, tracking=t.tracking_number, actor=actor, now=now)
    line.result, line.note, line.ticked_by, line.ticked_at = result, note.strip(), actor.name, now
    if result == "failed":
        line.fault_tracking = _fault(session, mt, t, line, actor, now)
    session.flush()
    left = session.scalar(
        select(MaintenanceItem.id).where(MaintenanceItem.ticket_id == t.id, MaintenanceItem.result.is_(None)).limit(1)
    )
    if left is None:
        _complete(session, mt, t, actor, now)
    return detail(session, mt, t.tracking_number, now)


def _fault(
    session: Session, mt: Maintenance, t: MaintenanceTicket, line: MaintenanceItem, actor: Actor, now: datetime
) -> str:
    plan = mt.by_id.get(t.plan_id)
    site = mt.sites.get(t.site_id)
    where = site.name if site else t.site_id
    text = (
        f"Found during {plan.name if plan else t.plan_id} at {where} ({t.period_key}) by {actor.name}: "
        f"{line.text} failed" + (f" on {line.device_id}" if line.device_id else "") + f". {line.note}\n"
        f"Maintenance ticket: {t.tracking_number}."
    )
    reg = raise_internal_ticket(
        session,
        category_id=plan.fault_category if plan else "noc-maintenance-fault",
        description=text[:3900],
        source_ref=f"maintenance-fault:{t.tracking_number}:{line.id}",
        directory=mt.desk.directory(session),
        now=now,
        config=mt.desk.config,
        town_id=t.town_id,
        assignee=it_queue(t.town_id),
    )
    return reg.tracking_number


def _complete(session: Session, mt: Maintenance, t: MaintenanceTicket, actor: Actor, now: datetime) -> None:
    items = list(session.scalars(select(MaintenanceItem).where(MaintenanceItem.ticket_id == t.id)))
    failed = [i for i in items if i.result == "failed"]
    note = f"Checklist complete: {len(items) - len(failed)} of {len(items)} items done"
    if failed:
        note += f", {len(failed)} failed (fault tickets " + ", ".join(i.fault_tracking or "?" for i in failed) + ")"
    note += f"; last ticked by {actor.name}."
    row = get_complaint(session, t.tracking_number)
    cfg = mt.desk.config
    try:
        act(session, tracking=row.tracking_number, command=Command("resolve", note), actor=actor, now=now, config=cfg)
    except (Forbidden, IllegalTransition):
        resolve_internal_ticket(session, tracking=row.tracking_number, note=note, now=now, config=cfg)
    t.completed_at = now
    _close_windows(session, t, now)


def sync_windows(session: Session, mt: Maintenance, now: datetime) -> int:
    """Keep windows in step with tickets moved through the complaint API; returns how many tickets changed."""
    tickets = list(session.scalars(select(MaintenanceTicket).where(MaintenanceTicket.completed_at.is_(None))))
    found = statuses(session, [t.tracking_number for t in tickets])
    changed = 0
    for t in tickets:
        if t.tracking_number not in found:  # no such complaint: nothing to keep in step with
            continue
        status = ComplaintStatus(found[t.tracking_number])
        if status in FINISHED:  # resolved or closed by hand: the work is over
            t.completed_at = now
            _close_windows(session, t, now)
            changed += 1
        elif status is ComplaintStatus.IN_PROGRESS:  # started, or resumed after a hold
            t.started_at = t.started_at or now
            t.started_by = t.started_by or "noc"
            changed += 1 if _open_windows(session, mt, t, "noc", now) else 0
        elif _active_windows(session, t, now):  # put on hold: no longer masks what it touches
            _close_windows(session, t, now)
            changed += 1
    return changed


# -- reading ----------------------------------------------------------------------------------------------------


def ticket_dict(
    t: MaintenanceTicket, row: ComplaintRecord | None, items: list[MaintenanceItem], mt: Maintenance, now: datetime
) -> dict:
    plan = mt.by_id.get(t.plan_id)
    site = mt.sites.get(t.site_id)
    done = sum(1 for i in items if i.result is not None)
    return {
        "tracking_number": t.tracking_number,
        "plan_id": t.plan_id,
        "plan": plan.name if plan else t.plan_id,
        "every": plan.every.value if plan else None,
        "site_id": t.site_id,
        "site": site.name if site else t.site_id,
        "town_id": t.town_id,
        "period": t.period_key,
        "period_start": t.period_start.isoformat(),
        "due_at": t.due_at.isoformat(),
        "status": row.status if row else None,
        "assignee": row.assignee if row else None,
        "started_at": t.started_at.isoformat() if t.started_at else None,
        "started_by": t.started_by,
        "completed_at": t.completed_at.isoformat() if t.completed_at else None,
        "on_time": (t.completed_at <= t.due_at) if t.completed_at else None,
        "overdue": t.completed_at is None and now >= t.due_at,
        "items_done": done,
        "items_total": len(items),
        "items_failed": sum(1 for i in items if i.result == "failed"),
        "windows": list(t.window_ids or []),
    }


def detail(session: Session, mt: Maintenance, tracking: str, now: datetime) -> dict:
    """One ticket with its checklist."""
    t = _ticket(session, tracking)
    row = complaint(session, t.tracking_number)
    items = list(
        session.scalars(
            select(MaintenanceItem).where(MaintenanceItem.ticket_id == t.id).order_by(MaintenanceItem.position)
        )
    )
    out = ticket_dict(t, row, items, mt, now)
    out["items"] = [
        {
            "id": i.id,
            "position": i.position,
            "item_id": i.item_id,
            "device_id": i.device_id or None,
            "text": i.text,
            "result": i.result,
            "note": i.note or None,
            "ticked_by": i.ticked_by,
            "ticked_at": i.ticked_at.isoformat() if i.ticked_at else None,
            "fault_tracking": i.fault_tracking,
        }
        for i in items
    ]
    return out


def list_tickets(
    session: Session,
    mt: Maintenance,
    now: datetime,
    *,
    open_only: bool = False,
    overdue: bool = False,
    town: str | None = None,
    site: str | None = None,
    plan: str | None = None,
    limit: int = 500,
) -> list[dict]:
    """Maintenance tickets, soonest due first, with their progress."""
    q = select(MaintenanceTicket).order_by(MaintenanceTicket.due_at, MaintenanceTicket.id).limit(limit)
    if open_only or overdue:
        q = q.where(MaintenanceTicket.completed_at.is_(None))
    if overdue:
        q = q.where(MaintenanceTicket.due_at <= now)
    for col, value in (
        (MaintenanceTicket.town_id, town),
        (MaintenanceTicket.site_id, site),
        (MaintenanceTicket.plan_id, plan),
    ):
        if value:
            q = q.where(col == value)
    tickets = list(session.scalars(q))
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    items: dict[int, list[MaintenanceItem]] = {}
    for i in session.scalars(select(MaintenanceItem).where(MaintenanceItem.ticket_id.in_(ids))):
        items.setdefault(i.ticket_id, []).append(i)
    rows = {r.tracking_number: r for r in complaints(session, [t.tracking_number for t in tickets])}
    return [ticket_dict(t, rows.get(t.tracking_number), items.get(t.id, []), mt, now) for t in tickets]
