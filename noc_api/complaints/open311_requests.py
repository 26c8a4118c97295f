"""GeoReport v2 service requests: the public view of complaints (GET) and registration by partner apps (POST).

What is published is what the city means to publish, as FixMyStreet does: no name, phone or email; phone
numbers and e-mail addresses in the description are removed; the address is the ward and town, and coordinates
are rounded (``CCIS_OPEN311_COORDINATE_DECIMALS``, 3 by default: about 100 m).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from complaint_core.intake import EMAIL_RE, Intake, normalise_phone
from complaint_core.model import Channel, ComplaintStatus, DomainError, GeoPoint, InvalidInput, StatusKind
from complaint_core.roles import Actor
from complaint_core.routing import Directory
from complaint_core.services.lookups import ComplaintRecord, complaint, public_complaints
from complaint_core.services.registration import register_complaint
from noc_api.complaints.desk import ComplaintDesk
from noc_api.complaints.open311 import Open311Error, attributes, find_service, w3c
from noc_api.complaints.open311_models import PartnerKey, RequestToken

DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_DESCRIPTION = 4000
NOTES = {
    "triage": "Received; being routed to the right town and department.",
    "registered": "Registered with the department responsible.",
    "assigned": "Assigned to a field officer.",
    "in_progress": "Work in progress.",
    "waiting_citizen": "Waiting for more information from the citizen.",
    "reassign_requested": "Being reassigned within the department.",
    "reopened": "Reopened by the citizen.",
    "escalated": "Reopened a second time: with an escalation officer.",
    "resolved": "Resolved; the quality-control desk may call the citizen back.",
    "verified": "Resolved and verified by quality control.",
    "closed": "Closed.",
    "rejected": "Rejected.",
}
# A run of at least 7 digits (with spaces, dots or dashes between), or an e-mail address: removed when published.
_PHONE_LIKE = re.compile(r"\+?\d[\d .()\-]{5,}\d")
_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def redact(text: str) -> str:
    """The description without phone numbers or e-mail addresses (dates are kept)."""

    def phone(m: re.Match[str]) -> str:
        s = m.group(0)
        digits = sum(ch.isdigit() for ch in s)
        return s if digits < 7 or _ISO_DATE.match(s.strip()) else "[number removed]"

    return _EMAIL_LIKE.sub("[address removed]", _PHONE_LIKE.sub(phone, text))


def _status_notes(row: ComplaintRecord) -> str:
    note = NOTES.get(row.status, row.status.replace("_", " "))
    if row.status == "rejected" and row.duplicate_of:
        note = f"Rejected as a duplicate of {row.duplicate_of}."
    return note


def public_request(row: ComplaintRecord, d: Directory, desk: ComplaintDesk) -> dict[str, Any]:
    """One complaint as a GeoReport service request, with only what the city publishes."""
    tz = ZoneInfo(desk.timezone)
    cat, dept = d.category(row.category_id), d.department(row.department_id)
    town = d.town(row.town_id) if row.town_id else None
    closed = ComplaintStatus(row.status).kind is not StatusKind.OPEN
    places = desk.settings.open311_coordinate_decimals
    agency = dept.name if dept else row.department_id
    if town is not None and not (dept and dept.city_wide):
        agency = f"{agency}, {town.name}"
    hours = cat.promised_hours if cat else None
    return {
        "service_request_id": row.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(row),
        "service_name": cat.name if cat else row.category_id,
        "service_code": row.category_id,
        "description": redact(row.description),
        "agency_responsible": agency,
        "service_notice": f"Promised within {hours} hours." if hours else None,
        "requested_datetime": w3c(row.registered_at, tz),
        "updated_datetime": w3c((row.closed_at or row.resolved_at or row.updated_at) if closed else row.updated_at, tz),
        "expected_datetime": w3c(row.due_at, tz),
        "address": ", ".join(p for p in (row.ward, town.name if town else None, desk.city_name) if p),
        "address_id": None,
        "zipcode": None,
        "lat": round(row.lat, places) if row.lat is not None else None,
        "long": round(row.lon, places) if row.lon is not None else None,
        "media_url": (row.channel_data or {}).get("media_url"),
    }


def _when(name: str, value: str) -> datetime:
    try:
        # A "+05:00" offset sent unencoded in a query string arrives as " 05:00": read it back as "+".
        t = datetime.fromisoformat(value.strip().replace(" ", "+") if "T" in value else value.strip())
    except ValueError:
        raise Open311Error(400, f"{name} must be a w3c datetime such as 2026-03-01T00:00:00Z (got {value!r})") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)  # a datetime without offset is taken as UTC


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _int(name: str, value: str | None, default: int, lo: int, hi: int) -> int:
    if not value:
        return default
    try:
        n = int(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a whole number") from None
    if not lo <= n <= hi:
        raise Open311Error(400, f"{name} must be from {lo} to {hi}")
    return n


def requests(session: Session, desk: ComplaintDesk, params: dict[str, str], now: datetime) -> list[dict[str, Any]]:
    """GET requests: by id (comma list; overrides the rest), or by service_code, status and a window of at most
    90 days (default: the last 90), newest first, at most 1000 (``page``/``page_size`` page through them)."""
    d = desk.directory(session)
    ids = _list(params.get("service_request_id"))
    size = _int("page_size", params.get("page_size"), MAX_REQUESTS, 1, MAX_REQUESTS)
    page = _int("page", params.get("page"), 1, 1, 1_000_000)
    numbers: list[str] | None = None
    start = end = None
    codes: list[str] = []
    open_: bool | None = None
    if ids:
        numbers = [i.upper() for i in ids[:MAX_REQUESTS]]
    else:
        start = _when("start_date", params["start_date"]) if params.get("start_date") else None
        end = _when("end_date", params["end_date"]) if params.get("end_date") else None
        try:
            if start and end is None:
                end = start + DEFAULT_WINDOW
            end = end or now
            start = start or end - DEFAULT_WINDOW
        except OverflowError:
            raise Open311Error(400, "start_date and end_date must be within years 1 to 9999") from None
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        if end - start > DEFAULT_WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        codes = _list(params.get("service_code"))
        if codes:
            unknown = [c for c in codes if d.category(c) is None]
            if unknown:
                raise Open311Error(404, f"service_code {', '.join(unknown)} not found")
        statuses = set(_list(params.get("status")))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed (or both, comma delimited)")
        if statuses == {"open"}:
            open_ = True
        elif statuses == {"closed"}:
            open_ = False
    rows = public_complaints(
        session,
        numbers=numbers,
        registered_from=start,
        registered_to=end,
        category_ids=codes,
        open_=open_,
        limit=size,
        offset=(page - 1) * size,
    )
    return [public_request(r, d, desk) for r in rows]


def one(session: Session, desk: ComplaintDesk, request_id: str) -> list[dict[str, Any]]:
    """GET requests/{id}: a list of one, as the spec says; 404 when there is no such public request."""
    row = complaint(session, request_id.strip().upper(), public_only=True)
    if row is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return [public_request(row, desk.directory(session), desk)]


def token(session: Session, token_id: str) -> list[dict[str, Any]]:
    """GET tokens/{token}: the service_request_id a batch-mode POST answered a token for."""
    row = session.get(RequestToken, token_id.strip())
    if row is None:
        raise Open311Error(404, f"token {token_id} not found")
    return [{"service_request_id": row.tracking_number, "token": row.token}]


def _attributes(form: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form:
        m = _ATTRIBUTE.match(key)
        if m and value.strip():
            out.setdefault(m.group(1), []).append(value.strip())
    return out


def _location(form: dict[str, str], errors: list[str]) -> GeoPoint | None:
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    if not lat and not lon:
        return None
    if not (lat and lon):
        errors.append("lat and long must both be sent")
        return None
    try:
        point = GeoPoint(float(lat), float(lon))
    except ValueError:
        errors.append("lat and long must be numbers (WGS84 degrees)")
        return None
    if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
        errors.append("lat must be within -90..90 and long within -180..180")
        return None
    return point


def _free_text(form: dict[str, str], name: str, limit: int, errors: list[str]) -> str | None:
    value = form.get(name, "").strip()
    if len(value) > limit:
        errors.append(f"{name} is longer than {limit} characters")
    return value or None


def post(
    session: Session, desk: ComplaintDesk, key: PartnerKey, items: list[tuple[str, str]], now: datetime
) -> list[dict[str, Any]]:
    """POST requests: register a complaint for a partner app; every problem in the request is reported at once.

    The phone is free text, as the spec says: it is stored as given, and only a number the city can send an SMS
    to (Pakistan or India) is also used for the registration SMS and phone-digit tracking.
    """
    form = {k: v for k, v in items}
    d = desk.directory(session)
    cat = find_service(d, form.get("service_code", "").strip())
    errors: list[str] = []
    point = _location(form, errors)
    address = _free_text(form, "address_string", 300, errors)
    address_id = _free_text(form, "address_id", 100, errors)
    if point is None and not address and not address_id and not any("lat" in e for e in errors):
        errors.append("a location is required: lat and long, address_string or address_id")
    description = _free_text(form, "description", MAX_DESCRIPTION, errors)
    given = {n: _free_text(form, n, 200, errors) for n in ("first_name", "last_name", "email", "phone")}
    extra = {n: _free_text(form, n, 200, errors) for n in ("device_id", "account_id")}
    media_url = _free_text(form, "media_url", 500, errors)
    if media_url and not media_url.lower().startswith(("http://", "https://")):
        errors.append("media_url must be an http(s) URL")
    attrs = _attributes(items)
    town_id = ward = None
    for attr in attributes(d, cat):
        chosen = attrs.get(attr["code"], [])
        allowed = {v["key"] for v in attr.get("values", [])}
        if attr["required"] and not chosen:
            errors.append(f"attribute[{attr['code']}] is required")
        if attr["datatype"] == "singlevaluelist" and chosen:
            if len(chosen) > 1 or chosen[0] not in allowed:
                errors.append(f"attribute[{attr['code']}]: {', '.join(chosen)} is not one of its values")
            elif attr["code"] == "town":
                town_id = chosen[0]
            elif attr["code"] == "ward":
                ward = chosen[0]
    if errors:
        raise Open311Error(400, errors)
    phone = email = None
    if given["phone"]:
        try:
            phone = normalise_phone(given["phone"], desk.config.phone_region)
        except ValueError:
            phone = None  # kept as given below; no SMS is sent to a number the city cannot reach
    if given["email"] and EMAIL_RE.match(given["email"]):
        email = given["email"]
    name = " ".join(filter(None, [given["first_name"], given["last_name"]])) or None
    intake = Intake(
        channel=Channel.WEB,
        category_id=cat.id,
        description=description or cat.name,
        citizen_name=name,
        phone=phone,
        email=email,
        address=address or (f"address id {address_id}" if address_id else None),
        town_id=town_id,
        ward=ward,
        point=point,
        channel_data={
            "open311_client": key.client,
            "open311_key": key.id,
            "phone_given": given["phone"],
            "email_given": given["email"],
            "address_id": address_id,
            "media_url": media_url,
            **extra,
        },
    )
    try:
        done = register_complaint(
            session,
            data=intake,
            actor=Actor.system(f"open311:{key.client}"[:64]),
            directory=d,
            now=now,
            config=desk.config,
        )
    except InvalidInput as exc:
        raise Open311Error(400, [f"{f}: {m}" for f, m in exc.errors]) from None
    except DomainError as exc:
        raise Open311Error(400, str(exc)) from None
    answer: dict[str, Any] = {
        "service_request_id": done.tracking_number,
        "service_notice": f"Promised by {w3c(done.due_at, ZoneInfo(desk.timezone))}; "
        f"follow it at {desk.track_url(done.tracking_number)}",
        "account_id": extra["account_id"],
    }
    if desk.settings.open311_request_type == "batch":
        tok = secrets.token_urlsafe(18)
        session.add(RequestToken(token=tok, tracking_number=done.tracking_number, client=key.client, created_at=now))
        answer = {"token": tok} | {k: v for k, v in answer.items() if k != "service_request_id"}
    session.commit()
    return [answer]
