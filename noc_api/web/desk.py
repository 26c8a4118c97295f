"""The call-centre and counter desks: register a complaint, caller's earlier complaints, duplicates, status
inquiry, the counter file and the printed slip."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from complaint_core.model import DomainError, InvalidInput, NotFound
from complaint_core.roles import Role
from complaint_core.services.queries import SearchFilters
from noc_api.complaints import service as svc
from noc_api.complaints.idempotency import MAX_KEY
from noc_api.web.counters import counter_for
from noc_api.web.page import CsrfChecked, PageError, Staff, StaffPage

router = APIRouter(include_in_schema=False)
CALL = (Role.CALL_CENTRE_AGENT, Role.CALL_CENTRE_SUPERVISOR)
COUNTER = (Role.COUNTER_OPERATOR,)
FIELDS = ("caller_number", "call_ref", "reference", "citizen_name", "phone", "cnic", "category", "town", "ward",
          "address", "lat", "lon", "description")  # fmt: skip
MAX_PHOTOS = 3


def _now() -> datetime:
    return datetime.now(UTC)


def _hints(page: Staff, phone: str | None, category: str | None, ward: str | None = None) -> dict[str, Any]:
    """The caller's earlier complaints and possible duplicates (same phone, or same ward and category)."""
    out: dict[str, Any] = {"earlier": [], "duplicates": [], "hint_error": None}
    try:
        if phone:
            out["earlier"] = svc.search(page.session, page.actor, SearchFilters(phone=phone), 10, 0)
        if category and phone:
            out["duplicates"] = svc.duplicates(page.session, page.runtime.desk, category, None, None, phone)
        if category and ward:
            seen = {d["tracking_number"] for d in out["duplicates"]}
            same = SearchFilters(category_id=category, ward=ward, kind="open")
            for c in svc.search(page.session, page.actor, same, 5, 0):
                if c["tracking_number"] not in seen:
                    why = page._("open, same ward and category")
                    out["duplicates"].append({"tracking_number": c["tracking_number"], "why": why})
    except InvalidInput as exc:
        out["hint_error"] = "; ".join(m for _, m in exc.errors)
    return out


def _answer(page: Staff, tracking: str | None) -> dict[str, Any] | None:
    """The registration just made, to read out to the caller: number, promised date, possible duplicates."""
    if not tracking:
        return None
    try:
        d = svc.detail(page.session, page.runtime.desk, page.actor, tracking)
    except NotFound:
        return None
    dups = svc.duplicates(page.session, page.runtime.desk, d["category_id"], d["lat"], d["lon"], d["phone"])
    d["duplicates"] = [x for x in dups if x["tracking_number"] != d["tracking_number"]]
    d["access_code"] = svc.access_code(page.session, page.runtime.desk, tracking)
    return d


def _desk(page: Staff, template: str, values: dict[str, Any], errors: list, status: int, done: str | None) -> Response:
    return page.render(
        template,
        status=status,
        v=values,
        errors=errors,
        groups=page.names.category_groups(),
        towns=page.names.towns(),
        wards=page.names.wards(),
        answer=_answer(page, done),
        request_key=str(values.get("request_key") or uuid4().hex),
        now=_now(),
        **_hints(page, values.get("caller_number") or values.get("phone"), values.get("category"), values.get("ward")),
        counter=counter_for(page.runtime.inventory, page.actor) if template == "desk_counter.html" else None,
    )


@router.get("/desk/call")
def call_desk(request: Request, page: StaffPage, done: str | None = None) -> Response:
    """The phone desk: a keyboard-first form; ``Look up caller`` (GET) fills the side panel without JavaScript."""
    page.require(*CALL)
    values = {k: request.query_params.get(k, "") for k in FIELDS}
    return _desk(page, "desk_call.html", values, [], 200, done)


@router.get("/desk/hints")
def hints(page: StaffPage, phone: str = "", category: str = "", ward: str = "") -> Response:
    """The side panel alone (fetched while the agent types)."""
    page.require(*CALL, Role.COUNTER_OPERATOR, Role.MAYOR_OFFICE)
    found = _hints(page, phone.strip() or None, category or None, ward.strip() or None)
    return page.render("_hints.html", now=_now(), **found)


def _form_values(form: FormData) -> dict[str, str]:
    out = {}
    for k in FIELDS:
        v = form.get(k)
        out[k] = v.strip() if isinstance(v, str) else ""
    key = form.get("request_key")
    out["request_key"] = key.strip()[:MAX_KEY] if isinstance(key, str) else ""
    return out


def _raw(values: dict[str, str], channel: str, channel_data: dict[str, Any]) -> dict[str, Any]:
    return {
        "channel": channel,
        "category": values["category"] or None,
        "description": values["description"] or None,
        "citizen_name": values["citizen_name"] or None,
        "phone": values["phone"] or values.get("caller_number") or None,
        "cnic": values.get("cnic") or None,
        "address": values["address"] or None,
        "town": values["town"] or None,
        "ward": values["ward"] or None,
        "lat": values.get("lat") or None,
        "lon": values.get("lon") or None,
        "channel_data": channel_data,
    }


@router.post("/desk/call", dependencies=[CsrfChecked])
async def register_call(request: Request, page: StaffPage) -> Response:
    page.require(*CALL)
    values = _form_values(await request.form())
    data = {"caller_number": values["caller_number"], "call_ref": values["call_ref"]}
    try:
        done, _ = svc.register(
            page.session, page.runtime.desk, page.actor, _raw(values, "call_centre", data), values["request_key"]
        )
    except InvalidInput as exc:
        return _desk(page, "desk_call.html", values, exc.errors, 422, None)
    return page.redirect(f"/desk/call?done={done.tracking_number}")


@router.get("/desk/mayor")
def mayor_desk(request: Request, page: StaffPage, done: str | None = None) -> Response:
    """Talk to Mayor: the Mayor's office registers what citizens bring to the Mayor (letters, visits, calls)."""
    page.require(Role.MAYOR_OFFICE)
    values = {k: request.query_params.get(k, "") for k in FIELDS}
    return _desk(page, "desk_mayor.html", values, [], 200, done)


@router.post("/desk/mayor", dependencies=[CsrfChecked])
async def register_mayor(request: Request, page: StaffPage) -> Response:
    page.require(Role.MAYOR_OFFICE)
    values = _form_values(await request.form())
    try:
        raw = _raw(values, "mayor_office", {"reference": values["reference"]})
        done, _ = svc.register(page.session, page.runtime.desk, page.actor, raw, values["request_key"])
    except InvalidInput as exc:
        return _desk(page, "desk_mayor.html", values, exc.errors, 422, None)
    return page.redirect(f"/desk/mayor?done={done.tracking_number}")


@router.get("/desk/counter")
def counter_desk(request: Request, page: StaffPage, done: str | None = None) -> Response:
    page.require(*COUNTER)
    values = {k: request.query_params.get(k, "") for k in FIELDS}
    return _desk(page, "desk_counter.html", values, [], 200, done)


@router.post("/desk/counter", dependencies=[CsrfChecked])
async def register_walk_in(request: Request, page: StaffPage) -> Response:
    page.require(*COUNTER)
    form = await request.form()
    values = _form_values(form)
    counter = counter_for(page.runtime.inventory, page.actor)
    if counter is None:
        raise PageError(409, page._("Your town has no walk-in counter; ask an administrator to set your site."))
    photos = []
    for f in form.getlist("photos")[:MAX_PHOTOS]:
        if isinstance(f, UploadFile) and f.filename:
            photos.append((f.filename, await f.read(page.runtime.settings.max_photo_bytes + 1)))
    raw = _raw(values, "walk_in", {"counter": counter.id, "operator": page.actor.name})
    raw["photos"] = photos
    try:
        done, _ = svc.register(page.session, page.runtime.desk, page.actor, raw, values["request_key"])
    except InvalidInput as exc:
        return _desk(page, "desk_counter.html", values, exc.errors, 422, None)
    return page.redirect(f"/desk/counter?done={done.tracking_number}")


def _day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return start, start + timedelta(days=1)


@router.get("/desk/counter/file")
def counter_file(page: StaffPage, day: str | None = None) -> Response:
    """Today's complaints at this counter (printable), as Punjab's CCTS asks counters to keep."""
    actor = page.require(*COUNTER)
    counter = counter_for(page.runtime.inventory, actor)
    tz = ZoneInfo(page.tz)
    try:
        the_day = datetime.strptime(day, "%Y-%m-%d").date() if day else _now().astimezone(tz).date()
    except ValueError:
        raise PageError(422, page._("The day must be written as YYYY-MM-DD.")) from None
    start, end = _day_bounds(the_day, page.tz)
    rows: list[dict[str, Any]] = []
    if counter is not None:
        f = SearchFilters(channel="walk_in", registered_from=start, registered_to=end)
        found = svc.search(page.session, actor, f, 200, 0)
        details = [svc.detail(page.session, page.runtime.desk, actor, r["tracking_number"]) for r in found]
        rows = sorted(
            (d for d in details if (d.get("channel_data") or {}).get("counter") == counter.id),
            key=lambda d: d["registered_at"],
        )
    return page.render("counter_file.html", rows=rows, counter=counter, day=the_day, now=_now())


def _looks_like_phone(q: str) -> bool:
    return sum(ch.isdigit() for ch in q) >= 7 and all(ch.isdigit() or ch in "+- ()" for ch in q)


@router.get("/desk/inquiry")
def inquiry(page: StaffPage, q: str = "") -> Response:
    """Find complaints by tracking number, phone or words of the description, within the viewer's scope."""
    actor = page.actor
    q = q.strip()
    rows: list[dict[str, Any]] = []
    error = None
    if q:
        if q.upper().startswith(page.runtime.inventory.city.code + "-"):
            f = SearchFilters(tracking_number=q)
        elif _looks_like_phone(q):
            f = SearchFilters(phone=q)
        else:
            f = SearchFilters(text=q)
        try:
            rows = svc.search(page.session, actor, f, 50, 0)
        except DomainError as exc:
            error = str(exc)
    page.names.load_users([r["assignee"] for r in rows if r["assignee"]])
    return page.render("inquiry.html", q=q, rows=rows, error=error, now=_now())
