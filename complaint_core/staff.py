"""The staff the complaint core hands work to and tells: a port the server implements over its users table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from complaint_core.roles import StaffMember


class StaffDirectory(Protocol):
    """Who works where; the core asks, the server answers from its users (plain values both ways)."""

    def member(self, username: str) -> StaffMember | None:
        """The user called ``username`` (active or not), or None."""

    def with_roles(
        self, roles: tuple[str, ...], *, town_id: str | None, department_id: str | None
    ) -> list[StaffMember]:
        """Active users of ``roles`` whose scope covers a complaint of this town and department."""


def contacts(members: Iterable[StaffMember]) -> list[tuple[str, str]]:
    """(medium, address) for each member: SMS to the phone, mail to the address, whichever they have."""
    out: list[tuple[str, str]] = []
    for m in members:
        if m.phone:
            out.append(("sms", m.phone))
        if m.email:
            out.append(("email", m.email))
    return out
