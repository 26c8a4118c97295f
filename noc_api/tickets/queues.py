"""The IT queues internal tickets are assigned to: ``it-<town>`` for each town, ``it-noc`` for the NOC itself.

A queue is real: its members are the active engineers of its town (``ccis users add NAME --role engineer --town
T``); ``it-noc`` holds the NOC staff and the engineers without a town. Tickets wait in the queue until a member
starts them; `GET /api/v1/noc/queues` lists every queue with its members and open tickets, and says which towns
have nobody to take their tickets.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.services.lookups import open_internal_by_assignee
from noc_api.db import models as m

NOC_QUEUE = "it-noc"


def it_queue(town_id: str | None) -> str:
    """The queue a ticket of ``town_id`` goes to."""
    return f"it-{town_id}" if town_id else NOC_QUEUE


def _members(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    users = session.scalars(
        select(m.User).where(m.User.active.is_(True), m.User.role.in_(("engineer", "noc"))).order_by(m.User.username)
    )
    for u in users:
        queue = it_queue(u.town_id) if u.role == "engineer" else NOC_QUEUE
        out.setdefault(queue, []).append(u.username)
    return out


def list_queues(session: Session) -> list[dict]:
    """Every IT queue (one per active town, and the NOC's) with its members and open tickets."""
    members = _members(session)
    open_counts = open_internal_by_assignee(session, "it-%")
    towns = session.execute(select(m.Town.id, m.Town.name).where(m.Town.active.is_(True)).order_by(m.Town.name))
    rows = [(NOC_QUEUE, None, "NOC")] + [(it_queue(t), t, name) for t, name in towns]
    return [
        {
            "id": queue,
            "town_id": town,
            "name": f"IT staff, {name}",
            "members": members.get(queue, []),
            "staffed": bool(members.get(queue)),
            "open_tickets": open_counts.get(queue, 0),
        }
        for queue, town, name in rows
    ]


def member_of(session: Session, username: str, queue: str) -> bool:
    """True when ``username`` works ``queue``."""
    return username in _members(session).get(queue, [])
