"""A map of the city without tiles: the towns' boundaries from the inventory, drawn as SVG by the server, with a
complaint's point. Tiles would have to come from a map server the city's network does not have (and pages load
nothing from the internet), so the map shows what the city itself knows: its towns, their names, and the point."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from complaint_core.routing import TownInfo

WIDTH = 360.0
PAD = 0.004  # degrees around the outermost town (about 400 m)


def town_map(
    towns: Iterable[TownInfo], *, town_id: str | None = None, point: tuple[float, float] | None = None
) -> dict[str, Any] | None:
    """Geometry of the map (None when no town has a boundary): each town's outline and label, the point.

    An equirectangular projection scaled by the cosine of the middle latitude: right for a city's size."""
    shapes = [t for t in towns if len(t.boundary) >= 3]
    if not shapes:
        return None
    lats = [p[0] for t in shapes for p in t.boundary] + ([point[0]] if point else [])
    lons = [p[1] for t in shapes for p in t.boundary] + ([point[1]] if point else [])
    min_lat, max_lat, min_lon, max_lon = min(lats) - PAD, max(lats) + PAD, min(lons) - PAD, max(lons) + PAD
    sx = WIDTH / (max_lon - min_lon)  # pixels per degree of longitude
    sy = sx / math.cos(math.radians((min_lat + max_lat) / 2))  # a degree of latitude is longer on the ground

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return round((lon - min_lon) * sx, 1), round((max_lat - lat) * sy, 1)

    out = []
    for t in sorted(shapes, key=lambda t: t.name):
        pts = [xy(a, b) for a, b in t.boundary]
        cx, cy = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        path = "M" + " L".join(f"{x},{y}" for x, y in pts) + " Z"
        out.append({"id": t.id, "name": t.name, "path": path, "cx": round(cx, 1), "cy": round(cy, 1),
                    "here": t.id == town_id})  # fmt: skip
    return {
        "width": WIDTH,
        "height": round((max_lat - min_lat) * sy, 1),
        "towns": out,
        "point": xy(*point) if point else None,
        # What the page's script needs to turn a click back into a latitude and longitude.
        "origin": (max_lat, min_lon),
        "scale": (sy, sx),
    }
