"""Duplicate suggestions at registration: same category nearby, or same phone and category recently."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintRow
from complaint_core.model import GeoPoint, StatusKind

EARTH_M = 6_371_000.0


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class DuplicateHint:
    tracking_number: str
    why: str
    distance_m: float | None = None


@functools.cache
def _candidates(near: bool, same_phone: bool) -> Select:
    """The candidates' query for a point, a phone or both, built once each (its parameters bound at each call)."""
    c = ComplaintRow
    conds = []
    if near:
        conds.append(
            and_(
                c.lat.between(bindparam("lat_lo"), bindparam("lat_hi")),
                c.lon.between(bindparam("lon_lo"), bindparam("lon_hi")),
                c.kind == StatusKind.OPEN.value,
            )
        )
    if same_phone:
        conds.append(and_(c.phone == bindparam("phone"), c.registered_at >= bindparam("since")))
    return (
        select(c.tracking_number, c.lat, c.lon, c.phone)
        .where(c.category_id == bindparam("category_id"), or_(*conds))
        .order_by(c.id.desc())
        .limit(50)
    )


def find_duplicates(
    session: Session,
    *,
    category_id: str,
    point: GeoPoint | None,
    phone: str | None,
    now: datetime,
    radius_m: float = 250.0,
    days: int = 7,
    limit: int = 5,
) -> list[DuplicateHint]:
    """Open complaints of the same category within ``radius_m``, or from the same phone in the last ``days``."""
    if point is None and not phone:
        return []
    params: dict[str, object] = {"category_id": category_id}
    if point is not None:
        # A bounding box the indexes can use first, then the exact distance in Python.
        dlat = radius_m / 111_320
        dlon = radius_m / (111_320 * max(0.01, math.cos(math.radians(point.lat))))
        params |= {
            "lat_lo": point.lat - dlat,
            "lat_hi": point.lat + dlat,
            "lon_lo": point.lon - dlon,
            "lon_hi": point.lon + dlon,
        }
    if phone:
        params |= {"phone": phone, "since": now - timedelta(days=days)}
    stmt = _candidates(point is not None, bool(phone))
    hints: list[DuplicateHint] = []
    for tracking, lat, lon, row_phone in session.connection().execute(stmt, params):  # Core: columns, no ORM rows
        if point is not None and lat is not None and lon is not None:
            d = distance_m(point, GeoPoint(lat, lon))
            if d <= radius_m:
                hints.append(DuplicateHint(tracking, f"same category {d:.0f} m away", round(d, 1)))
                continue
        if phone and row_phone == phone:
            hints.append(DuplicateHint(tracking, f"same phone and category in the last {days} days"))
    return hints[:limit]
