"""The citizen's notice subscription in the browser: ask for a town's notices, then confirm with the code that
was sent. Plain forms through the same service and rate limits as the public API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from noc_api.notices import service
from noc_api.system.client import client_address
from noc_api.web.page import CsrfChecked, Page, PageDep

router = APIRouter(include_in_schema=False)
Medium = Annotated[str, Form(pattern="^(sms|email)$")]
Address = Annotated[str, Form(min_length=3, max_length=300)]


def _admit(page: Page, lodging: bool = False) -> None:
    page.runtime.public_guard.admit(client_address(page.request), lodging=lodging)


def _form(page: Page, status: int = 200, **ctx: object) -> Response:
    towns = sorted(page.runtime.notice_area.names.items(), key=lambda t: t[1])
    return page.render("notice_subscribe.html", status=status, towns=towns, **ctx)


@router.get("/notices/subscribe")
def subscribe_form(page: PageDep) -> Response:
    return _form(page)


@router.post("/notices/subscribe", dependencies=[CsrfChecked])
def subscribe(
    page: PageDep, medium: Medium, address: Address, town: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    _admit(page, lodging=True)
    try:
        service.request_subscription(page.session, page.runtime.notice_area, page.runtime.settings.signing_key,
                                     medium=medium, address=address, town_id=town or None, ward=None,
                                     now=datetime.now(UTC))  # fmt: skip
    except service.NoticeError as exc:
        page.session.rollback()
        return _form(page, 422, error=str(exc), medium=medium, address=address, town=town)
    page.session.commit()
    return _form(page, sent=True, medium=medium, address=address, town=town)


@router.post("/notices/confirm", dependencies=[CsrfChecked])
def confirm(page: PageDep, medium: Medium, address: Address, code: Annotated[str, Form(max_length=10)]) -> Response:
    _admit(page)
    try:
        done = service.confirm_subscription(page.session, page.runtime.settings.signing_key, medium=medium,
                                            address=address, code=code, now=datetime.now(UTC))  # fmt: skip
    except service.NoticeError as exc:
        page.session.rollback()
        return _form(page, 422, error=str(exc), sent=True, medium=medium, address=address)
    page.session.commit()
    if not done:
        error = page._("Wrong or expired code. Check it, or ask for a new one.")
        return _form(page, 422, error=error, sent=True, medium=medium, address=address)
    return _form(page, confirmed=True)
