"""Names, not ids: towns, departments, categories and staff as people read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.routing import Directory
from noc_api.db import models as m
from noc_api.web.citymap import town_map

INTERNAL_DEPARTMENTS = frozenset({"it"})  # NOC tickets: never offered to a citizen or an agent


class Names:
    """Look-ups for one request (the directory is cached by the complaint services; users are read once each)."""

    def __init__(self, directory: Directory, session: Session) -> None:
        self.directory = directory
        self._session = session
        self._towns = {t.id: t.name for t in directory.towns}
        self._departments = {d.id: d.name for d in directory.departments}
        self._categories = {c.id: c.name for c in directory.categories}
        self._users: dict[str, str] = {}

    def town(self, town_id: str | None) -> str:
        return self._towns.get(town_id or "", town_id or "—")

    def department(self, department_id: str | None) -> str:
        return self._departments.get(department_id or "", department_id or "—")

    def category(self, category_id: str | None) -> str:
        return self._categories.get(category_id or "", category_id or "—")

    def user(self, username: str | None) -> str:
        """The person's full name (the username when they have none, or are a system actor)."""
        if not username:
            return "—"
        if username not in self._users:
            self.load_users([username])
        return self._users[username]

    def load_users(self, usernames: list[str]) -> None:
        """Read the full names of many users in one query (queue pages)."""
        missing = {u for u in usernames if u and u not in self._users}
        if not missing:
            return
        rows = self._session.execute(
            select(m.User.username, m.User.full_name).where(m.User.username.in_(missing))
        ).all()
        found = {u: f or u for u, f in rows}
        for u in missing:
            self._users[u] = found.get(u, u)

    def towns(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return sorted(((t.id, t.name, t.wards) for t in self.directory.towns), key=lambda t: t[1])

    def town_map(self, town_id: str | None = None, lat: object = None, lon: object = None) -> dict[str, Any] | None:
        """The towns drawn from their boundaries, with ``town_id`` marked and the point (lat, lon) if it is one."""
        try:
            point = (float(lat), float(lon)) if lat not in (None, "") and lon not in (None, "") else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            point = None
        if point and not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            point = None
        return town_map(self.directory.towns, town_id=town_id, point=point)

    def wards(self) -> list[str]:
        return sorted(w for t in self.directory.towns for w in t.wards)

    def category_groups(self, internal: bool = False) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """Categories grouped by department: [(department name, [(id, name, is_sub_category)])]."""
        groups: dict[str, list[tuple[str, str, bool]]] = {}
        parents = [c for c in self.directory.categories if c.parent_id is None]
        for parent in sorted(parents, key=lambda c: c.name):
            if parent.department_id in INTERNAL_DEPARTMENTS and not internal:
                continue
            items = groups.setdefault(parent.department_id, [])
            items.append((parent.id, parent.name, False))
            for sub in sorted((c for c in self.directory.categories if c.parent_id == parent.id), key=lambda c: c.name):
                items.append((sub.id, sub.name, True))
        return sorted(((self.department(d), items) for d, items in groups.items()), key=lambda g: g[0])
