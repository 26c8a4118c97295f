"""Work queues (mine, town, department, overdue, escalated, unassigned) with filters and bulk assignment, and
the complaint page offering only the moves the viewer may make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import UploadFile

from complaint_core.model import ComplaintStatus, DomainError, NotFound
from complaint_core.policy import MATRIX, Target, can
from complaint_core.roles import Actor, Role
from complaint_core.services.actions import EDITABLE
from complaint_core.services.lookups import attachment_file
from complaint_core.services.queries import SearchFilters
from complaint_core.sla import Pause, SlaStatus, sla_status
from noc_api.complaints import service as svc
from noc_api.complaints.attachments import FileStore
from noc_api.complaints.schemas import ActionIn
from noc_api.web.i18n import N_
from noc_api.web.page import CsrfChecked, PageError, Staff, StaffPage
from noc_api.web.staff import assignable

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
VIEWS = {
    "mine": N_("My queue"),
    "town": N_("My town"),
    "department": N_("My department"),
    "overdue": N_("Overdue"),
    "escalated": N_("Escalated"),
    "unassigned": N_("Unassigned"),
}
DEFAULT_VIEW = {
    Role.LME: "mine", Role.ENGINEER: "mine", Role.GRO: "department", Role.DEPARTMENT_HEAD: "department",
    Role.TOWN_HEAD: "town", Role.COUNTER_OPERATOR: "town", Role.ESCALATION_OFFICER: "escalated",
}  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def views_for(actor: Actor) -> list[str]:
    """The queues that make sense for the viewer (a town view needs a town, a department view a department)."""
    out = ["mine"] if actor.role in (Role.LME, Role.ENGINEER, Role.ESCALATION_OFFICER, Role.NOC) else []
    if actor.town_id:
        out.append("town")
    if actor.department_id:
        out.append("department")
    return out + ["overdue", "escalated", "unassigned"]


def may_assign(actor: Actor) -> bool:
    return actor.role is not None and (actor.role is Role.ADMINISTRATOR or "assign" in MATRIX.get(actor.role, {}))


def queue_filters(actor: Actor, view: str, q: dict[str, str], now: datetime) -> SearchFilters:
    """The search a queue view and its filters stand for (scope is added by the search itself)."""
    if view == "escalated":
        return SearchFilters(
            status=("escalated",), kind="open", category_id=q.get("category") or None, ward=q.get("ward") or None
        )
    status = q.get("status") or None
    closed = status is not None and not ComplaintStatus(status).is_open
    age = int(q["age"]) if (q.get("age") or "").isdigit() else None
    return SearchFilters(
        status=(status,) if status else (),
        kind=None if closed else "open",
        category_id=q.get("category") or None,
        ward=q.get("ward") or None,
        registered_to=now - timedelta(days=age) if age else None,
        overdue=view == "overdue" or q.get("sla") == "overdue",
        assignee=actor.name if view == "mine" else None,
        town_id=actor.town_id if view == "town" else None,
        department_id=actor.department_id if view == "department" else None,
        unassigned=view == "unassigned",
    )


@router.get("/queue")
def queue(request: Request, page: StaffPage, view: str | None = None, offset: int = 0) -> Response:
    actor = page.actor
    views = views_for(actor)
    view = view if view in views else (DEFAULT_VIEW.get(actor.role, "overdue") if actor.role else "overdue")
    if view not in views:
        view = views[0]
    q = {k: request.query_params.get(k, "") for k in ("status", "category", "ward", "age", "sla")}
    if q["status"] and q["status"] not in {s.value for s in ComplaintStatus}:
        raise PageError(422, page._("Unknown status."))
    now = _now()
    rows = svc.search(page.session, actor, queue_filters(actor, view, q, now), PAGE_SIZE + 1, max(0, offset))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    page.names.load_users([r["assignee"] for r in rows if r["assignee"]])
    return page.render(
        "queue.html", rows=rows, more=more, offset=max(0, offset), page_size=PAGE_SIZE, view=view,
        views=[(v, VIEWS[v]) for v in views], q=q, now=now, groups=page.names.category_groups(internal=True),
        wards=page.names.wards(), statuses=[s.value for s in ComplaintStatus],
        staff=assignable(page.session, actor) if may_assign(actor) else [], may_assign=may_assign(actor),
    )  # fmt: skip


@router.post("/queue/assign", dependencies=[CsrfChecked])
async def bulk_assign(request: Request, page: StaffPage) -> Response:
    """Assign every ticked complaint to one officer; each one is checked and recorded on its own."""
    form = await request.form()
    assignee = str(form.get("assignee") or "").strip()
    back = str(form.get("back") or "/queue")
    back = back if back.startswith("/queue") else "/queue"
    numbers = [str(n) for n in form.getlist("tracking")]
    if not assignee or not numbers:
        return page.redirect(back, flash=page._("Tick complaints and choose an officer first."))
    done, failed = 0, []
    for n in numbers:
        try:
            body = ActionIn(assignee=assignee, note="bulk assign")
            svc.act(page.session, page.runtime.desk, page.actor, n, "assign", body)
            done += 1
        except DomainError as exc:
            page.session.rollback()
            failed.append(f"{n}: {exc}")
    msg = page._("Assigned %(n)d to %(who)s.") % {"n": done, "who": page.names.user(assignee)}
    if failed:
        msg += " " + page._("Not assigned:") + " " + "; ".join(failed)
    return page.redirect(back, flash=msg)


def _sla(page: Staff, d: dict[str, Any], now: datetime) -> SlaStatus:
    cfg = page.runtime.desk.config
    pauses = [Pause(datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None) for a, b in d["pauses"] or []]
    end = d["resolved_at"] or d["closed_at"] or now
    return sla_status(registered_at=d["registered_at"], promised=d["promised_seconds"], pauses=pauses,
                      now=min(end, now), cal=cfg.calendar)  # fmt: skip


@router.get("/complaints/{tracking}")
def complaint_page(page: StaffPage, tracking: str) -> Response:
    """Everything about one complaint, and forms for exactly the actions the viewer may take."""
    d = svc.detail(page.session, page.runtime.desk, page.actor, tracking)
    page.names.load_users([e["actor"] for e in d["history"]] + [d["assignee"] or ""])
    now = _now()
    target = Target(d["town_id"], d["department_id"], d["assignee"], d["channel"], d["status"])
    return page.render(
        "complaint.html", c=d, now=now, sla=_sla(page, d, now), actions=d["allowed_actions"],
        staff=assignable(page.session, page.actor) if "assign" in d["allowed_actions"] else [],
        may_edit=can(page.actor, "edit", target), editable=EDITABLE, towns=page.names.towns(),
        departments=sorted(((x.id, x.name) for x in page.names.directory.departments), key=lambda x: x[1]),
    )  # fmt: skip


@router.post("/complaints/{tracking}/act/{action}", dependencies=[CsrfChecked])
async def complaint_act(request: Request, page: StaffPage, tracking: str, action: str) -> Response:
    form = await request.form()
    photo = form.get("photo")
    photo_bytes = None
    if isinstance(photo, UploadFile) and photo.filename:
        photo_bytes = await photo.read(page.runtime.settings.max_photo_bytes + 1)
    fields = {k: (str(form.get(k)).strip() or None) if form.get(k) is not None else None
              for k in ("note", "assignee", "reason", "duplicate_of", "town_id", "department_id", "category_id",
                        "words")}  # fmt: skip
    flags = {k: form.get(k) == "1" if form.get(k) in ("0", "1") else None
             for k in ("public", "delay", "reached", "satisfied")}  # fmt: skip
    if flags["reached"] is False:
        flags["satisfied"] = None  # not reached: satisfaction is not known
    version = str(form.get("version") or "")
    body = ActionIn(version=int(version) if version.isdigit() else None, photo=photo_bytes, **fields,
                    **flags)  # fmt: skip
    url = f"/complaints/{tracking.upper()}"
    back = str(form.get("back") or "")
    if back in ("/qc",) or back.startswith("/queue"):
        url = back
    try:
        svc.act(page.session, page.runtime.desk, page.actor, tracking, action, body)
    except NotFound:
        raise
    except DomainError as exc:
        page.session.rollback()
        return page.redirect(url, flash=page._("Not done:") + f" {exc}")
    try:
        svc.detail(page.session, page.runtime.desk, page.actor, tracking)
    except NotFound:  # the move took it out of the viewer's scope
        return page.redirect("/queue", flash=page._("Done: %(n)s") % {"n": tracking.upper()})
    return page.redirect(url, flash=page._("Done: %(n)s") % {"n": tracking.upper()})


@router.post("/complaints/{tracking}/edit", dependencies=[CsrfChecked])
async def complaint_edit(request: Request, page: StaffPage, tracking: str, version: Annotated[int, Form()]) -> Response:
    form = await request.form()
    d = svc.detail(page.session, page.runtime.desk, page.actor, tracking)
    changes = {k: str(form.get(k)).strip() for k in EDITABLE
               if form.get(k) is not None and str(form.get(k)).strip() != (d.get(k) or "")}  # fmt: skip
    url = f"/complaints/{tracking.upper()}"
    if not changes:
        return page.redirect(url, flash=page._("Nothing changed."))
    try:
        svc.edit(page.session, page.runtime.desk, page.actor, tracking, version, changes)
    except DomainError as exc:
        page.session.rollback()
        return page.redirect(url, flash=page._("Not saved:") + f" {exc}")
    return page.redirect(url, flash=page._("Saved."))


@router.get("/complaints/{tracking}/photos/{sha256}")
def complaint_photo(page: StaffPage, tracking: str, sha256: str) -> Response:
    """A photo of a complaint the viewer may see."""
    svc.detail(page.session, page.runtime.desk, page.actor, tracking)  # scope check: NotFound otherwise
    found = attachment_file(page.session, tracking.upper(), sha256)
    if found is None:
        raise PageError(404, page._("No such photo."))
    stored, content_type = found
    path = FileStore(page.runtime.settings.attachments_dir).path(stored)
    return FileResponse(path, media_type=content_type, headers={"cache-control": "private, max-age=3600"})
