"""Citizens without login: lodge a complaint (category, place, photo, phone) and get the number on screen."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from complaint_core.model import InvalidInput
from noc_api.complaints import service as svc
from noc_api.complaints.idempotency import MAX_KEY
from noc_api.system.client import client_address
from noc_api.web.page import CsrfChecked, PageDep

router = APIRouter(include_in_schema=False)
FIELDS = ("citizen_name", "phone", "email", "category", "town", "ward", "address", "lat", "lon", "description")


def _form(page: PageDep, values: dict, errors: list, status: int = 200) -> Response:
    return page.render("lodge.html", status=status, v=values, errors=errors, groups=page.names.category_groups(),
                       towns=page.names.towns(), wards=page.names.wards(),
                       request_key=values.get("request_key") or uuid4().hex)  # fmt: skip


@router.get("/lodge")
def lodge_form(request: Request, page: PageDep) -> Response:
    return _form(page, {k: request.query_params.get(k, "") for k in FIELDS}, [])


@router.post("/lodge", dependencies=[CsrfChecked])
async def lodge(request: Request, page: PageDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    values["request_key"] = str(form.get("request_key") or "").strip()[:MAX_KEY]
    photo = form.get("photo")
    photos = []
    if isinstance(photo, UploadFile) and photo.filename:
        photos.append((photo.filename, await photo.read(page.runtime.settings.max_photo_bytes + 1)))
    raw = {k: values[k] or None for k in FIELDS} | {"channel_data": {}, "photos": photos}
    page.runtime.public_guard.admit(client_address(page.request), lodging=True)
    try:
        done, _ = svc.public_register(
            page.session, page.runtime.desk, raw, values["request_key"] or None, _sender(page)
        )
    except InvalidInput as exc:
        return _form(page, values, exc.errors, 422)
    return page.render("lodged.html", done=done, now=datetime.now(UTC))


def _sender(page: PageDep) -> str:
    """Citizens' keys are scoped by address: one citizen's key can never replay another's answer."""
    return "public:" + client_address(page.request)


@router.get("/subscriptions/confirm")
def confirm_form(page: PageDep, t: str = "") -> Response:
    """The link sent to a new subscriber: a button, so a link preview can never confirm on the owner's behalf."""
    return page.render("subscription_confirm.html", token=t[:500], confirmed=None)


@router.post("/subscriptions/confirm", dependencies=[CsrfChecked])
async def confirm(request: Request, page: PageDep) -> Response:
    page.runtime.public_guard.admit(client_address(page.request))
    token = str((await request.form()).get("t") or "")[:500]
    done = svc.confirm_subscription(page.session, page.runtime.desk, token)
    return page.render("subscription_confirm.html", token="", confirmed=done, status=200 if done else 400)
