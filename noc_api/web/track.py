"""The citizen's tracking page (no login): what was reported, who handles it, the status in words, the history
in the city's time, and rating or reopening. Plain forms; the tracking code (from the SMS or the counter slip) or
the whole phone number proves who is asking."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from complaint_core.model import DomainError, NotFound
from noc_api.complaints import service as svc
from noc_api.complaints.schemas import FeedbackIn
from noc_api.system.client import client_address
from noc_api.web.page import CsrfChecked, Page, PageDep

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


def _admit(page: Page) -> None:
    """The same per-address limit as the public API (429 page past it)."""
    page.runtime.public_guard.admit(client_address(page.request))


def _show(page: Page, tracking: str, phone: str, token: str, status: int = 200, **ctx: Any) -> Response:
    found = None
    if tracking and phone and "error" not in ctx:
        desk, guard = page.runtime.desk, page.runtime.public_guard
        try:
            found = guard.verified(
                client_address(page.request), lambda: svc.public_status(page.session, desk, tracking, phone, True)
            )
        except NotFound:
            ctx["error"] = page._("No complaint with that number and code or phone number.")
            status = 404
    return page.render("track.html", status=status, tracking=tracking.strip().upper(), phone=phone, token=token,
                       c=found, **ctx)  # fmt: skip


@router.get("/track")
@router.get("/track/{tracking}")
def track_form(page: PageDep, tracking: str = "", t: str = "") -> Response:
    return _show(page, tracking, "", t)


@router.post("/track", dependencies=[CsrfChecked])
def track(page: PageDep, tracking: Annotated[str, Form(max_length=30)], phone: Annotated[str, Form(max_length=20)],
          t: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    _admit(page)
    return _show(page, tracking, phone, t)


@router.post("/track/{tracking}/rate", dependencies=[CsrfChecked])
def rate(page: PageDep, tracking: str, phone: Annotated[str, Form(max_length=20)], rating: Annotated[int, Form()],
         comment: Text = "", t: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    _admit(page)
    try:
        body = FeedbackIn(rating=rating, comment=comment or None, code=phone or None, token=t or None)
        done = page.runtime.public_guard.verified(
            client_address(page.request), lambda: svc.public_feedback(page.session, page.runtime.desk, tracking, body)
        )
    except (DomainError, ValidationError) as exc:
        page.session.rollback()
        return _show(page, tracking, phone, t, status=422, error=str(exc))
    msg = page._("Thank you. Your appeal has been opened.") if done["appeal"] else page._("Thank you for your rating.")
    return _show(page, tracking, phone, t, done=msg)


@router.post("/track/{tracking}/reopen", dependencies=[CsrfChecked])
def reopen(page: PageDep, tracking: str, phone: Annotated[str, Form(max_length=20)], words: Text,
           t: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    _admit(page)
    try:
        page.runtime.public_guard.verified(
            client_address(page.request),
            lambda: svc.public_reopen(page.session, page.runtime.desk, tracking, phone, words),
        )
    except DomainError as exc:
        page.session.rollback()
        return _show(page, tracking, phone, t, status=409, error=str(exc))
    return _show(page, tracking, phone, t, done=page._("Your complaint is open again. We will be in touch."))
