"""Maintenance API: plans, each period's tickets and their checklists, the IT queues, and the hygiene overview the
NOC console reads (overdue maintenance, patches, signatures, disks, peripherals, recording stores)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from complaint_core.roles import Actor, Role
from noc_api.deps import ActorDep, RuntimeDep, SessionDep, require_roles
from noc_api.maintenance import work
from noc_api.maintenance.hygiene import hygiene_overview
from noc_api.maintenance.plans import Plan
from noc_api.maintenance.schemas import HygieneOut, MaintenanceDetailOut, MaintenanceTicketOut, QueueOut
from noc_api.params import RowId
from noc_api.tickets.queues import list_queues

router = APIRouter(prefix="/api/v1", tags=["maintenance"])
NocStaff = Annotated[Actor, Depends(require_roles(Role.NOC, Role.ENGINEER))]


def _fail(exc: work.MaintenanceError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@router.get("/maintenance/plans")
def get_plans(actor: ActorDep, runtime: RuntimeDep) -> list[Plan]:
    """The maintenance plans (from maintenance.yaml beside the inventory)."""
    return list(runtime.maintenance.plans)


@router.get("/maintenance/tickets")
def get_tickets(
    actor: ActorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    open: bool = False,
    overdue: bool = False,
    town: str | None = None,
    site: str | None = None,
    plan: str | None = None,
    limit: int = Query(500, ge=1, le=5000),
) -> list[MaintenanceTicketOut]:
    """Maintenance tickets, soonest due first, with checklist progress (``overdue``: past due, not complete)."""
    found = work.list_tickets(
        session, runtime.maintenance, datetime.now(UTC), open_only=open, overdue=overdue, town=town, site=site,
        plan=plan, limit=limit,
    )  # fmt: skip
    return [MaintenanceTicketOut.model_validate(t) for t in found]


@router.get("/maintenance/tickets/{tracking}")
def get_ticket(tracking: str, actor: ActorDep, session: SessionDep, runtime: RuntimeDep) -> MaintenanceDetailOut:
    """One maintenance ticket with its checklist."""
    try:
        return MaintenanceDetailOut.model_validate(
            work.detail(session, runtime.maintenance, tracking, datetime.now(UTC))
        )
    except work.MaintenanceError as exc:
        raise _fail(exc) from None


@router.post("/maintenance/tickets/{tracking}/start")
def start_work(tracking: str, actor: NocStaff, session: SessionDep, runtime: RuntimeDep) -> MaintenanceDetailOut:
    """Start the work: the ticket goes in progress and its devices get maintenance windows until the period ends."""
    try:
        out = work.start(session, runtime.maintenance, tracking=tracking, actor=actor, now=datetime.now(UTC))
    except work.MaintenanceError as exc:
        raise _fail(exc) from None
    session.commit()
    return MaintenanceDetailOut.model_validate(out)


class TickIn(BaseModel):
    result: Literal["done", "failed"]
    note: str = Field("", max_length=2000)


@router.post("/maintenance/tickets/{tracking}/items/{item_id}")
def tick_item(
    tracking: str,
    item_id: RowId,
    body: TickIn,
    actor: NocStaff,
    session: SessionDep,
    runtime: RuntimeDep,
) -> MaintenanceDetailOut:
    """Tick one checklist item done or failed (who and when are recorded); a failure raises a fault ticket;
    the last tick resolves the maintenance ticket."""
    try:
        out = work.tick(
            session, runtime.maintenance, tracking=tracking, item=item_id, result=body.result, note=body.note,
            actor=actor, now=datetime.now(UTC),
        )  # fmt: skip
    except work.MaintenanceError as exc:
        raise _fail(exc) from None
    session.commit()
    return MaintenanceDetailOut.model_validate(out)


@router.get("/noc/queues")
def get_queues(actor: ActorDep, session: SessionDep) -> list[QueueOut]:
    """The IT queues internal tickets are assigned to, with their members and open tickets."""
    return [QueueOut.model_validate(q) for q in list_queues(session)]


@router.get("/noc/hygiene", response_model_exclude_unset=True)  # a check not made carries no empty values
def get_hygiene(actor: ActorDep, session: SessionDep, runtime: RuntimeDep, site: str | None = None) -> HygieneOut:
    """For the NOC console: overdue maintenance, and per site its hosts' patches, signatures and disks, its
    printers' and phones' reachability and its recording stores ("not available" / "not reported" said so)."""
    if site is not None and site not in runtime.topology.sites:
        raise HTTPException(404, f"unknown site {site!r}")
    now = datetime.now(UTC)
    overdue = work.list_tickets(session, runtime.maintenance, now, overdue=True, site=site)
    return HygieneOut.model_validate(
        {
            "at": now.isoformat(),
            "overdue_maintenance": overdue,
            "sites": hygiene_overview(session, runtime.inventory, now, site),
        }
    )
