"""Duplicate suggestions at registration: same category nearby, or same phone and category recently."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
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
    since = now - timedelta(days=days)
    conds = []
    if point is not None:
        # A bounding box the indexes can use first, then the exact distance in Python.
        dlat = radius_m / 111_320
        dlon = radius_m / (111_320 * max(0.01, math.cos(math.radians(point.lat))))
        conds.append(
            and_(
                ComplaintRow.lat.between(point.lat - dlat, point.lat + dlat),
                ComplaintRow.lon.between(point.lon - dlon, point.lon + dlon),
                ComplaintRow.kind == StatusKind.OPEN.value,
            )
        )
    if phone:
        conds.append(and_(ComplaintRow.phone == phone, ComplaintRow.registered_at >= since))
    if not conds:
        return []
    stmt = (
        select(ComplaintRow.tracking_number, ComplaintRow.lat, ComplaintRow.lon, ComplaintRow.phone)
        .where(ComplaintRow.category_id == category_id, or_(*conds))
        .order_by(ComplaintRow.id.desc())
        .limit(50)
    )
    hints: list[DuplicateHint] = []
    for tracking, lat, lon, row_phone in session.connection().execute(stmt):  # Core: columns, no ORM rows
        if point is not None and lat is not None and lon is not None:
            d = distance_m(point, GeoPoint(lat, lon))
            if d <= radius_m:
                hints.append(DuplicateHint(tracking, f"same category {d:.0f} m away", round(d, 1)))
                continue
        if phone and row_phone == phone:
            hints.append(DuplicateHint(tracking, f"same phone and category in the last {days} days"))
    return hints[:limit]
