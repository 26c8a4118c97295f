"""Open311 GeoReport v2 over the complaint core: discovery, services (complaint categories) and their definitions.

Service requests (complaints) are in ``open311_requests``. Every use case takes plain values and raises
``Open311Error`` with the spec's HTTP status and error list; the router renders them as JSON or XML.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from complaint_core.routing import CategoryInfo, Directory
from noc_api.complaints.desk import ComplaintDesk
from noc_api.db import models as m

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
INTERNAL_DEPARTMENTS = {"it"}  # NOC tickets are not a public service


class Open311Error(Exception):
    """An error in the spec's form: an HTTP status and a list of (code, description)."""

    def __init__(self, status: int, description: str | list[str]) -> None:
        self.status = status
        texts = [description] if isinstance(description, str) else description
        self.errors = [(status, t) for t in texts]
        super().__init__("; ".join(texts))


def check_jurisdiction(desk: ComplaintDesk, jurisdiction_id: str | None) -> None:
    """One jurisdiction here: the parameter is optional; naming another one is a 404 when ours is configured."""
    ours = desk.settings.open311_jurisdiction_id
    if jurisdiction_id and ours and jurisdiction_id != ours:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} not found (this endpoint serves {ours})")


def w3c(when: datetime | None, tz: tzinfo = UTC) -> str | None:
    """A datetime in the spec's w3 format, with the offset (the city's zone when given)."""
    if when is None:
        return None
    return when.astimezone(tz).isoformat(timespec="seconds")


def public_categories(d: Directory) -> list[CategoryInfo]:
    return sorted((c for c in d.categories if c.department_id not in INTERNAL_DEPARTMENTS), key=lambda c: c.id)


def _service(d: Directory, c: CategoryInfo) -> dict[str, Any]:
    dept = d.department(c.department_id)
    parent = d.category(c.parent_id) if c.parent_id else None
    words = [c.name, dept.name if dept else c.department_id] + ([parent.name] if parent else [])
    return {
        "service_code": c.id,
        "service_name": c.name,
        "description": f"{c.name}: handled by {dept.name if dept else c.department_id}, "
        f"promised within {c.promised_hours} hours",
        "metadata": True,  # every service has the town/ward attributes (see definition)
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(words)),
        "group": parent.name if parent else c.name,
    }


def services(session: Session, desk: ComplaintDesk) -> list[dict[str, Any]]:
    """GET services: one service per public complaint category."""
    d = desk.directory(session)
    kind = desk.settings.open311_request_type
    return [_service(d, c) | {"type": kind} for c in public_categories(d)]


def find_service(d: Directory, code: str | None) -> CategoryInfo:
    if not code:
        raise Open311Error(400, "service_code was not provided")
    cat = d.category(code)
    if cat is None or cat.department_id in INTERNAL_DEPARTMENTS:
        raise Open311Error(404, f"service_code {code} not found")
    return cat


def attributes(d: Directory, cat: CategoryInfo) -> list[dict[str, Any]]:
    """The extra fields of a service: where (town, ward) when no GPS point is given, and the promise."""
    dept = d.department(cat.department_id)
    city_wide = bool(dept and dept.city_wide)
    towns = sorted(d.towns, key=lambda t: t.name)
    where = "the whole city is served by this agency" if city_wide else "needed when you send no lat/long"
    return [
        {
            "variable": False,
            "code": "promise",
            "datatype": "string",
            "required": False,
            "datatype_description": None,
            "order": 1,
            "description": f"The city promises to resolve this within {cat.promised_hours} hours.",
        },
        {
            "variable": True,
            "code": "town",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "One of the city's towns",
            "order": 2,
            "description": f"The town the problem is in ({where}).",
            "values": [{"key": t.id, "name": t.name} for t in towns],
        },
        {
            "variable": True,
            "code": "ward",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "Ward or union council",
            "order": 3,
            "description": "The ward or union council (UC), if known; it also tells the town.",
            "values": [{"key": w, "name": w} for t in towns for w in t.wards],
        },
    ]


def definition(session: Session, desk: ComplaintDesk, code: str) -> dict[str, Any]:
    """GET services/{code}: the service definition with its attributes."""
    d = desk.directory(session)
    cat = find_service(d, code)
    return {"service_code": cat.id, "attributes": attributes(d, cat)}


def discovery(session: Session, desk: ComplaintDesk) -> dict[str, Any]:
    """The service discovery document (wiki.open311.org/Service_Discovery)."""
    changed = session.execute(
        select(func.max(m.InventoryChange.at)).where(m.InventoryChange.entity.in_(["category", "department", "town"]))
    ).scalar_one_or_none()
    changeset = w3c(changed) or "2026-01-01T00:00:00+00:00"
    s = desk.settings
    return {
        "changeset": changeset,
        "contact": s.open311_contact,
        "key_service": s.open311_key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{desk.base_url}/open311/v2",
                "changeset": changeset,
                "type": "production" if s.env == "production" else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
