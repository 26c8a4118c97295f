"""The alert notice job, a thin writer around the pure planner: read the open groups and their alerts, plan
(``plan.plan_notices``), write the groups' new state, the messages into the server's one outbox and the history.
Delivery is the outbox's job (``noc_api.notify.delivery``), not this one's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from complaint_core.services.notify import enqueue
from noc_api.alerting.dispatch import NotifyReason
from noc_api.alerting.models import Alert, AlertGroup
from noc_api.alerting.plan import AckLink, GroupState, Plan, plan_notices
from noc_api.alerting.routing import Defaults
from noc_api.alerting.routing_file import RoutingFile
from noc_api.alerting.store import add_history, to_state
from noc_api.notify.retry import RetryPolicy
from noc_api.security import sign
from noc_api.settings import Settings

ACK_PURPOSE = "alert-ack"
SOURCE = "alert"
_GROUP_FIELDS = ("closed_at", "notified_at", "notified_rank", "first_notified_at", "escalation_level")


def ack_url(settings: Settings, alert_ids: list[int]) -> str:
    """A signed link acknowledging these alerts (it expires after the routing's ack_link_hours)."""
    token = sign(settings, ACK_PURPOSE, {"ids": alert_ids})
    return f"{settings.public_base_url.rstrip('/')}/api/v1/alerts/ack?token={token}"


def load_groups(session: Session) -> tuple[dict[str, AlertGroup], dict[str, list[Alert]]]:
    """Open group rows by key, and the alerts of each key: not resolved, or resolved since its group opened."""
    groups = {g.key: g for g in session.scalars(select(AlertGroup).where(AlertGroup.closed_at.is_(None)))}
    opened = min((g.opened_at for g in groups.values()), default=None)
    cond = Alert.state != "resolved"
    if opened is not None:
        cond = or_(cond, (Alert.resolved_at >= opened) & Alert.group_key.in_(list(groups)))
    members: dict[str, list[Alert]] = defaultdict(list)
    for a in session.scalars(select(Alert).where(cond).order_by(Alert.id)):
        g = groups.get(a.group_key)
        if a.state != "resolved" or (g is not None and a.resolved_at and a.resolved_at >= g.opened_at):
            members[a.group_key].append(a)
    return groups, members


def group_state(row: AlertGroup) -> GroupState:
    """The pure view of a group row."""
    return GroupState(
        key=row.key,
        opened_at=row.opened_at,
        id=row.id,
        closed_at=row.closed_at,
        notified_fps=tuple(row.notified_fps or ()),
        notified_at=row.notified_at,
        notified_rank=row.notified_rank,
        first_notified_at=row.first_notified_at,
        escalation_level=row.escalation_level,
        told=tuple(row.told or ()),
    )


def write_plan(session: Session, rows: dict[str, AlertGroup], plan: Plan, now: datetime) -> None:
    """Store the plan: new and changed groups, one outbox message per address, the alerts' history."""
    for key, st in plan.groups.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = AlertGroup(key=key, opened_at=st.opened_at)
            session.add(row)
        for f in _GROUP_FIELDS:
            if getattr(row, f) != getattr(st, f):
                setattr(row, f, getattr(st, f))
        if list(row.notified_fps or []) != list(st.notified_fps):
            row.notified_fps = list(st.notified_fps)
        if list(row.told or []) != list(st.told):
            row.told = list(st.told)
    session.flush()  # new groups get their ids
    for m in plan.messages:
        enqueue(
            session,
            source=SOURCE,
            medium=m.medium,
            to=m.to,
            subject=m.subject,
            body=m.body,
            payload=m.payload,
            reason=m.reason.value,
            receiver=m.receiver,
            alert_group_id=rows[m.group].id,
            alert_ids=list(m.alert_ids),
            now=now,
        )
    for alert_id, kind, detail in plan.history:
        add_history(session, alert_id, now, kind, detail)


def queue_notices(session: Session, routing_file: RoutingFile, ack_link: AckLink, now: datetime) -> int:
    """One run of the job (the scheduler's leader runs it every few seconds); returns the messages queued.
    The caller commits; nothing is planned while the routing file is unusable (its problems are on /healthz)."""
    routing, _problems = routing_file.current()
    if routing is None:
        return 0
    rows, members = load_groups(session)
    plan = plan_notices(
        {k: group_state(r) for k, r in rows.items()},
        {k: [to_state(a) for a in alerts] for k, alerts in members.items()},
        routing,
        now,
        ack_link,
    )
    write_plan(session, rows, plan, now)
    return len(plan.messages)


def retry_policy(routing_file: RoutingFile, reason: str) -> RetryPolicy:
    """An alert notice's back-off numbers, from the routing's defaults; a recovery notice is never given up (it
    keeps retrying at the cap)."""
    routing, _ = routing_file.current()
    d = routing.defaults if routing else Defaults()
    keep_trying = reason == NotifyReason.RESOLVED.value
    return RetryPolicy(base=d.retry_base, cap=d.retry_cap, max_attempts=None if keep_trying else d.max_attempts)
