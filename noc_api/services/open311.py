"""Open311 GeoReport v2 over the complaint core: services are categories, requests are complaints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.model import InvalidInput, StatusKind
from complaint_core.roles import Actor
from complaint_core.routing import Directory
from complaint_core.services.registration import register_complaint
from noc_api.auth import sign, unsign
from noc_api.runtime import Runtime
from noc_api.services.complaints import core_config, load_directory

KEY_PURPOSE = "open311-key"
INTERNAL_DEPARTMENTS = {"it"}  # NOC tickets are not a public service
MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)


class Open311Error(Exception):
    """An error in the spec's format: [{"code": N, "description": "..."}]."""

    def __init__(self, code: int, description: str) -> None:
        self.code, self.description = code, description
        super().__init__(description)


def issue_key(rt: Runtime, client: str) -> str:
    """An api_key for an Open311 client (signed; revoked by rotating the server secret)."""
    return sign(rt.settings, KEY_PURPOSE, client)


def _client(rt: Runtime, api_key: str | None) -> str:
    if not api_key:
        raise Open311Error(403, "api_key is required to post a service request")
    try:
        return str(unsign(rt.settings, KEY_PURPOSE, api_key, 10 * 365 * 86400))
    except ValueError:
        raise Open311Error(403, "invalid api_key") from None


def services(session: Session, rt: Runtime) -> list[dict[str, Any]]:
    d = load_directory(session, rt.inventory.city.code)
    names = {c.id: c.name for c in d.categories}
    out = []
    for c in sorted(d.categories, key=lambda c: c.id):
        if c.department_id in INTERNAL_DEPARTMENTS:
            continue
        dept = d.department(c.department_id)
        out.append(
            {
                "service_code": c.id,
                "service_name": c.name,
                "description": f"{c.name} ({dept.name if dept else c.department_id}); promised in {c.promised_hours} h",
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(filter(None, [c.parent_id, c.department_id])),
                "group": names.get(c.parent_id or "", c.name),
            }
        )
    return out


def services_xml(items: list[dict[str, Any]]) -> bytes:
    root = ET.Element("services")
    for item in items:
        node = ET.SubElement(root, "service")
        for k, v in item.items():
            ET.SubElement(node, k).text = str(v).lower() if isinstance(v, bool) else str(v)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root)


def definition(session: Session, rt: Runtime, code: str) -> dict[str, Any]:
    if not any(s["service_code"] == code for s in services(session, rt)):
        raise Open311Error(404, f"unknown service_code {code}")
    return {"service_code": code, "attributes": []}


def _as_request(row: ComplaintRow, d: Directory) -> dict[str, Any]:
    cat = d.category(row.category_id)
    dept = d.department(row.department_id)
    return {
        "service_request_id": row.tracking_number,
        "status": "open" if row.kind == StatusKind.OPEN.value else "closed",
        "status_notes": row.status.replace("_", " "),
        "service_name": cat.name if cat else row.category_id,
        "service_code": row.category_id,
        "description": row.description,
        "agency_responsible": dept.name if dept else row.department_id,
        "service_notice": None,
        "requested_datetime": row.registered_at.isoformat(),
        "updated_datetime": row.updated_at.isoformat(),
        "expected_datetime": row.due_at.isoformat(),
        "address": row.address,
        "address_id": None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.lon,
        "media_url": None,
    }


def requests(
    session: Session,
    rt: Runtime,
    *,
    ids: str | None,
    service_code: str | None,
    start: str | None,
    end: str | None,
    status: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    d = load_directory(session, rt.inventory.city.code)
    stmt = select(ComplaintRow).where(ComplaintRow.channel != "internal")
    if ids:
        stmt = stmt.where(ComplaintRow.tracking_number.in_([i.strip().upper() for i in ids.split(",")][:MAX_REQUESTS]))
    else:
        try:
            end_at = datetime.fromisoformat(end) if end else now
            start_at = datetime.fromisoformat(start) if start else end_at - DEFAULT_WINDOW
        except ValueError:
            raise Open311Error(400, "start_date and end_date must be w3c datetimes (2026-03-01T00:00:00Z)") from None
        start_at = start_at if start_at.tzinfo else start_at.replace(tzinfo=UTC)
        end_at = end_at if end_at.tzinfo else end_at.replace(tzinfo=UTC)
        stmt = stmt.where(ComplaintRow.registered_at >= start_at, ComplaintRow.registered_at <= end_at)
        if service_code:
            stmt = stmt.where(ComplaintRow.category_id.in_(service_code.split(",")))
        if status:
            if status not in ("open", "closed"):
                raise Open311Error(400, "status must be open or closed")
            stmt = stmt.where((ComplaintRow.kind == "open") if status == "open" else (ComplaintRow.kind != "open"))
    rows = session.execute(stmt.order_by(ComplaintRow.id.desc()).limit(MAX_REQUESTS)).scalars()
    return [_as_request(r, d) for r in rows]


def one(session: Session, rt: Runtime, request_id: str, now: datetime) -> list[dict[str, Any]]:
    found = requests(session, rt, ids=request_id, service_code=None, start=None, end=None, status=None, now=now)
    if not found:
        raise Open311Error(404, f"no service request {request_id}")
    return found


def post_request(session: Session, rt: Runtime, form: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Create a complaint (channel web) from a GeoReport POST; answers the spec's service_request_id."""
    client = _client(rt, form.get("api_key"))
    if not form.get("service_code"):
        raise Open311Error(400, "service_code is required")
    if not (form.get("lat") and form.get("long")) and not form.get("address_string") and not form.get("address_id"):
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    if form.get("service_code") not in {s["service_code"] for s in services(session, rt)}:
        raise Open311Error(404, f"unknown service_code {form.get('service_code')}")
    name = " ".join(filter(None, [form.get("first_name"), form.get("last_name")])) or None
    raw = {
        "channel": "web",
        "category": form.get("service_code"),
        "description": form.get("description"),
        "citizen_name": name,
        "phone": form.get("phone"),
        "email": form.get("email"),
        "address": form.get("address_string"),
        "lat": form.get("lat") or None,
        "lon": form.get("long") or None,
        "channel_data": {
            "open311_client": client,
            "device_id": form.get("device_id"),
            "media_url": form.get("media_url"),
        },
    }
    cfg = core_config(rt.settings, rt.inventory.city.timezone)
    try:
        done = register_complaint(
            session,
            data=raw,
            actor=Actor.system(f"open311:{client}"),
            directory=load_directory(session, rt.inventory.city.code),
            now=now,
            config=cfg,
        )
    except InvalidInput as exc:
        raise Open311Error(
            400, "; ".join(f"{f.replace('citizen_name', 'first_name')}: {m}" for f, m in exc.errors)
        ) from None
    session.commit()
    notice = f"Promised by {done.due_at:%Y-%m-%d %H:%M} UTC"
    return [{"service_request_id": done.tracking_number, "service_notice": notice, "account_id": None}]
