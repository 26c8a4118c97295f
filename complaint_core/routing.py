"""Routing as data: category -> department, location -> town; unroutable complaints go to triage."""

from __future__ import annotations

from dataclasses import dataclass

from complaint_core.model import GeoPoint, InvalidInput


@dataclass(frozen=True)
class TownInfo:
    id: str
    name: str
    wards: tuple[str, ...] = ()
    boundary: tuple[tuple[float, float], ...] = ()  # (lat, lon) vertices


@dataclass(frozen=True)
class DepartmentInfo:
    id: str
    name: str
    city_wide: bool = False


@dataclass(frozen=True)
class CategoryInfo:
    id: str
    name: str
    department_id: str
    promised_hours: int
    priority: str = "normal"
    parent_id: str | None = None


@dataclass(frozen=True)
class Directory:
    """The city as routing sees it (loaded from the inventory tables by the caller)."""

    city_code: str
    towns: tuple[TownInfo, ...]
    departments: tuple[DepartmentInfo, ...]
    categories: tuple[CategoryInfo, ...]
    # What a walk-in's channel_data.counter may name: walk-in channel ids and their counter workstations.
    # None: the caller knows no counters (nothing is checked).
    counters: frozenset[str] | None = None

    def town(self, town_id: str) -> TownInfo | None:
        return next((t for t in self.towns if t.id == town_id), None)

    def department(self, department_id: str) -> DepartmentInfo | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def category(self, category_id: str) -> CategoryInfo | None:
        return next((c for c in self.categories if c.id == category_id), None)


@dataclass(frozen=True)
class Route:
    category: CategoryInfo  # the most specific category given (a sub-category when one was)
    department_id: str
    town_id: str | None
    triage: bool
    reason: str


def point_in_polygon(point: GeoPoint, polygon: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting on (lat, lon) vertices; fine for town-sized polygons away from the antimeridian."""
    inside = False
    n = len(polygon)
    for i in range(n):
        (y1, x1), (y2, x2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > point.lat) != (y2 > point.lat):
            x_cross = x1 + (point.lat - y1) * (x2 - x1) / (y2 - y1)
            if point.lon < x_cross:
                inside = not inside
    return inside


def locate_town(directory: Directory, *, ward: str | None, point: GeoPoint | None) -> TownInfo | None:
    """The town whose ward list names ``ward``, else whose boundary contains ``point``."""
    if ward:
        wanted = ward.strip().casefold()
        for town in directory.towns:
            if any(w.casefold() == wanted for w in town.wards):
                return town
    if point is not None:
        for town in directory.towns:
            if len(town.boundary) >= 3 and point_in_polygon(point, town.boundary):
                return town
    return None


def route(
    directory: Directory,
    *,
    category_id: str,
    town_id: str | None = None,
    ward: str | None = None,
    point: GeoPoint | None = None,
    sub_category_id: str | None = None,
) -> Route:
    """Decide department and town; InvalidInput for an unknown category, a sub-category of another category,
    an unknown town or a ward of another town."""
    errors: list[tuple[str, str]] = []
    category = directory.category(category_id)
    if category is None:
        errors.append(("category", f"unknown category {category_id!r}"))
    elif sub_category_id:
        sub = directory.category(sub_category_id)
        subs = [c.id for c in directory.categories if c.parent_id == category.id]
        if sub is None or sub.parent_id != category.id:
            known = f"its sub-categories: {', '.join(subs)}" if subs else f"{category.id} has no sub-categories"
            errors.append(("sub_category", f"{sub_category_id!r} is not a sub-category of {category.id} ({known})"))
        else:
            category = sub
    town = None
    if town_id:
        town = directory.town(town_id)
        if town is None:
            errors.append(("town", f"unknown town {town_id!r}"))
        elif ward and not any(w.casefold() == ward.strip().casefold() for w in town.wards):
            errors.append(("ward", f"ward {ward!r} is not in town {town_id!r}"))
    if errors:
        raise InvalidInput(errors)
    assert category is not None
    town = town or locate_town(directory, ward=ward, point=point)
    department = directory.department(category.department_id)
    city_wide = bool(department and department.city_wide)
    if town is not None:
        how = "given town" if town_id else ("ward" if ward and town.id else "GPS point")
        return Route(
            category, category.department_id, town.id, False, f"{category.id} -> {category.department_id}; {how}"
        )
    if city_wide:
        return Route(category, category.department_id, None, False, f"city-wide agency {category.department_id}")
    return Route(category, category.department_id, None, True, "no town from ward or GPS point: triage")
