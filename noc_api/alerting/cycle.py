"""The notification job: flush groups that need a notice, escalate unacknowledged critical groups, deliver
due notifications from the persisted queue with retries and backoff (every attempt recorded)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from noc_api.alerting.dispatch import (
    Last,
    NotifyReason,
    backoff,
    due_escalation,
    live_firing,
    needs_notify,
    rank,
    resolved_of,
    triggers,
)
from noc_api.alerting.loader import ROUTING_FILE
from noc_api.alerting.models import Alert, AlertGroup, Notification, NotificationAttempt
from noc_api.alerting.render import compose, lead_alert
from noc_api.alerting.routing import Routing, load_routing, local_time, match_route, receivers_at
from noc_api.alerting.store import add_history, to_state
from noc_api.alerting.transports import DeliveryError, send_email, send_sms, send_webhook
from noc_api.auth import sign
from noc_api.settings import Settings

ACK_PURPOSE = "alert-ack"
_cache: dict[Path, tuple[float, Routing | None, list]] = {}


def routing_for(settings: Settings) -> tuple[Routing | None, list]:
    """The routing file of settings.alert_rules, reloaded when it changes."""
    path = Path(settings.alert_rules) / ROUTING_FILE
    mtime = path.stat().st_mtime if path.exists() else -1.0
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        routing, problems = load_routing(path)
        _cache[path] = cached = (mtime, routing, problems)
    return cached[1], cached[2]


def ack_url(settings: Settings, alert_ids: list[int]) -> str:
    """A signed link acknowledging these alerts (it expires after the routing's ack_link_hours)."""
    token = sign(settings, ACK_PURPOSE, {"ids": alert_ids})
    return f"{settings.public_base_url.rstrip('/')}/api/v1/alerts/ack?token={token}"


def _group_members(session: Session) -> tuple[dict[str, AlertGroup], dict[str, list[Alert]]]:
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


def _enqueue(
    session: Session,
    settings: Settings,
    routing: Routing,
    group: AlertGroup,
    reason: NotifyReason,
    alerts: list[Alert],
    receivers: list[str],
    now: datetime,
) -> int:
    ids = [a.id for a in alerts]
    text = compose(reason, group.key, alerts, ack_url(settings, ids), now)
    count = 0
    for name in receivers:
        rc = routing.receivers.get(name)
        if rc is None:
            continue
        targets = [("email", t) for t in rc.email] + [("sms", t) for t in rc.sms] + [("webhook", t) for t in rc.webhook]
        for channel, target in targets:
            session.add(
                Notification(
                    group_id=group.id,
                    reason=reason.value,
                    receiver=name,
                    channel=channel,
                    target=target,
                    subject=text["subject"],
                    body=text["sms"] if channel == "sms" else text["body"],
                    payload=text["payload"],
                    alert_ids=ids,
                    status="pending",
                    created_at=now,
                    next_attempt_at=now,
                    attempts=0,
                )
            )
            count += 1
    for a in alerts:
        add_history(
            session,
            a.id,
            now,
            "notified" if reason != NotifyReason.ESCALATION else "escalated",
            f"{reason.value} to {', '.join(receivers) or 'nobody'}",
        )
    return count


def flush_groups(session: Session, settings: Settings, routing: Routing, now: datetime) -> int:
    """Create the notifications every group needs now; returns how many were queued."""
    d = routing.defaults
    groups, members = _group_members(session)
    queued = 0
    for key, alerts in members.items():
        group = groups.get(key)
        states = [to_state(a) for a in alerts]
        if group is None:
            if not live_firing(states):
                continue
            group = AlertGroup(key=key, opened_at=now, notified_fps=[], told=[], escalation_level=0, notified_rank=0)
            session.add(group)
            session.flush()
            groups[key] = group
        last = (
            Last(frozenset(group.notified_fps), group.notified_at, group.notified_rank) if group.notified_at else None
        )
        trig = triggers(states, last, key.startswith("outage:"))
        if last is None:
            first = min((a.fired_at for a in alerts if a.fingerprint in trig and a.fired_at), default=now)
            if (now - first).total_seconds() < d.group_wait:
                continue  # group_wait: let a parent arriving now absorb its children before anything leaves
        reason = needs_notify(last, trig, resolved_of(states), d.repeat_interval, now)
        if reason == NotifyReason.RESOLVED and live_firing(states):
            reason = NotifyReason.NONE
        if reason == NotifyReason.REPEAT and all(a.acked_at for a in alerts if a.fingerprint in trig):
            reason = NotifyReason.NONE
        if reason == NotifyReason.NONE:
            if not any(a.state != "resolved" for a in alerts):
                group.closed_at = now  # moved or cancelled without a notice worth sending
            continue
        lead = lead_alert(alerts)
        target = match_route(lead.labels, routing, local_time(routing, now))
        if reason == NotifyReason.RESOLVED:
            receivers = list(group.told)
        else:
            oncall = target.chain[min(group.escalation_level, len(target.chain) - 1)].oncall if target else None
            receivers = receivers_at(routing, oncall, local_time(routing, now)) if oncall else []
            receivers += [r for r in group.told if r not in receivers]
        listed = [a for a in alerts if a.state != "resolved" or reason == NotifyReason.RESOLVED]
        queued += _enqueue(session, settings, routing, group, reason, listed, receivers, now)
        group.told = sorted(set(group.told) | set(receivers))
        group.notified_fps = sorted(trig) if reason != NotifyReason.RESOLVED else []
        group.notified_rank = max((rank(a.severity) for a in alerts if a.fingerprint in trig), default=0)
        group.notified_at = now
        group.first_notified_at = group.first_notified_at or now
        if reason == NotifyReason.RESOLVED:
            group.closed_at = now
    for key, group in groups.items():
        if key not in members and group.closed_at is None:
            group.closed_at = now  # its alerts were folded into a parent's group: that group speaks for them
    queued += escalate(session, settings, routing, groups, members, now)
    return queued


def escalate(
    session: Session,
    settings: Settings,
    routing: Routing,
    groups: dict[str, AlertGroup],
    members: dict[str, list[Alert]],
    now: datetime,
) -> int:
    """Tell the next on-call group about critical groups nobody acknowledged in time."""
    queued = 0
    for key, group in groups.items():
        if group.closed_at or not group.first_notified_at:
            continue
        alerts = members.get(key, [])
        waiting = [
            a
            for a in alerts
            if a.state == "firing"
            and a.severity == "critical"
            and a.acked_at is None
            and a.fingerprint in set(group.notified_fps)
        ]
        if not waiting:
            continue
        target = match_route(lead_alert(alerts).labels, routing, local_time(routing, now))
        if target is None:
            continue
        level = due_escalation(target.chain, group.escalation_level, group.first_notified_at, now)
        if level is None:
            continue
        oncall = target.chain[level].oncall
        receivers = receivers_at(routing, oncall, local_time(routing, now))
        queued += _enqueue(session, settings, routing, group, NotifyReason.ESCALATION, waiting, receivers, now)
        for a in waiting:
            add_history(session, a.id, now, "escalation", f"level {level}: {oncall}")
        group.escalation_level = level
        group.told = sorted(set(group.told) | set(receivers))
    return queued


def due_ids(session: Session, now: datetime, limit: int = 200) -> list[int]:
    """Ids of the notifications due for an attempt, oldest first."""
    q = (
        select(Notification.id)
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    return list(session.scalars(q))


def deliver_due(session: Session, settings: Settings, routing: Routing, now: datetime, limit: int = 200) -> int:
    """Try every due notification once; record each attempt; reschedule failures with backoff."""
    return sum(attempt(session, settings, routing, ident, now) for ident in due_ids(session, now, limit))


def attempt(session: Session, settings: Settings, routing: Routing, ident: int, now: datetime) -> int:
    """One delivery attempt of one notification, recorded; 1 when it was accepted."""
    d = routing.defaults
    n = session.get(Notification, ident)
    sent = 0
    if n is not None and n.status == "pending":
        try:
            if n.channel == "email":
                detail = send_email(settings, n.target, n.subject, n.body)
            elif n.channel == "sms":
                detail = send_sms(settings, n.target, n.body)
            else:
                detail = send_webhook(n.target, n.payload)
            ok = True
        except DeliveryError as exc:
            detail, ok = str(exc), False
        n.attempts += 1
        session.add(NotificationAttempt(notification_id=n.id, at=now, ok=ok, detail=detail[:2000]))
        if ok:
            n.status, n.sent_at = "sent", now
            sent = 1
        elif n.attempts >= d.max_attempts and n.reason != NotifyReason.RESOLVED.value:
            n.status = "failed"
        else:  # a recovery notice is never given up: it keeps retrying at the capped interval
            n.next_attempt_at = now + timedelta(seconds=backoff(n.attempts, d.retry_base, d.retry_cap))
    return sent


def run_notification_cycle(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    """One cycle of the notification job (the scheduler runs it every few seconds); the caller commits."""
    routing, _problems = routing_for(settings)
    if routing is None:
        return {"queued": 0, "sent": 0}
    queued = flush_groups(session, settings, routing, now)
    session.flush()
    return {"queued": queued, "sent": deliver_due(session, settings, routing, now)}


def run_notification_job(sessions: sessionmaker[Session], now: Callable[[], datetime], settings: Settings) -> dict:
    """The scheduler's entry: like run_notification_cycle, but each delivery in its own short transaction, so a
    slow SMTP server or gateway never holds the database (SQLite's single writer) while it answers."""
    routing, _problems = routing_for(settings)
    if routing is None:
        return {"queued": 0, "sent": 0}
    with sessions.begin() as session:
        queued = flush_groups(session, settings, routing, now())
    with sessions() as session:
        ids = due_ids(session, now())
    sent = 0
    for ident in ids:
        with sessions.begin() as session:
            sent += attempt(session, settings, routing, ident, now())
    return {"queued": queued, "sent": sent}
