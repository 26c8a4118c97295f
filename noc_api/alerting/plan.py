"""Planning the alert notices, pure: (open groups, their alerts, routing, now) -> the messages to send, the groups'
new dispatch state and the history lines. No database and no clock; ``cycle`` reads and writes around it.

The semantics are Alertmanager's: group_wait before a group's first notice (a parent arriving meanwhile absorbs
its children), an update when new alerts join, repeat_interval while unacknowledged, one recovery to everyone told,
and escalation of unacknowledged critical groups along the route's chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from noc_api.alerting.dispatch import (
    Last,
    NotifyReason,
    due_escalation,
    live_firing,
    needs_notify,
    rank,
    resolved_of,
    triggers,
)
from noc_api.alerting.lifecycle import AlertState
from noc_api.alerting.render import compose, lead_alert
from noc_api.alerting.routing import Routing, local_time, match_route, receivers_at

AckLink = Callable[[list[int]], str]  # alert ids -> a signed acknowledgement URL


@dataclass(frozen=True)
class GroupState:
    """Dispatch and escalation state of one open group (``id`` None: new, not stored yet)."""

    key: str
    opened_at: datetime
    id: int | None = None
    closed_at: datetime | None = None
    notified_fps: tuple[str, ...] = ()
    notified_at: datetime | None = None
    notified_rank: int = 0
    first_notified_at: datetime | None = None
    escalation_level: int = 0
    told: tuple[str, ...] = ()  # receivers told so far (all hear the recovery)


@dataclass(frozen=True)
class Outgoing:
    """One message to one receiver's address."""

    group: str
    reason: NotifyReason
    receiver: str
    medium: str  # email | sms | webhook
    to: str
    subject: str
    body: str
    payload: dict[str, Any]
    alert_ids: tuple[int, ...]


@dataclass
class Plan:
    groups: dict[str, GroupState]  # every group touched or created, in its new state
    messages: list[Outgoing] = field(default_factory=list)
    history: list[tuple[int, str, str]] = field(default_factory=list)  # (alert id, kind, detail)

    def notify(
        self,
        routing: Routing,
        key: str,
        reason: NotifyReason,
        alerts: list[AlertState],
        receivers: list[str],
        ack_link: AckLink,
        now: datetime,
    ) -> None:
        """Compose one notice of a group and address it to every receiver's email, SMS and webhook."""
        ids = [a.id for a in alerts if a.id is not None]
        text = compose(reason, key, alerts, ack_link(ids), now)
        for name in receivers:
            rc = routing.receivers.get(name)
            if rc is None:
                continue
            for medium, to in (
                [("email", t) for t in rc.email] + [("sms", t) for t in rc.sms] + [("webhook", t) for t in rc.webhook]
            ):
                body = text["sms"] if medium == "sms" else text["body"]
                self.messages.append(
                    Outgoing(key, reason, name, medium, to, text["subject"], body, text["payload"], tuple(ids))
                )
        kind = "notified" if reason != NotifyReason.ESCALATION else "escalated"
        detail = f"{reason.value} to {', '.join(receivers) or 'nobody'}"
        self.history += [(i, kind, detail) for i in ids]


def plan_notices(
    groups: dict[str, GroupState],
    members: dict[str, list[AlertState]],
    routing: Routing,
    now: datetime,
    ack_link: AckLink,
) -> Plan:
    """What every group needs now: first notices, updates, repeats, recoveries, then escalations."""
    d = routing.defaults
    local = local_time(routing, now)
    plan = Plan(dict(groups))
    for key, alerts in members.items():
        group = plan.groups.get(key)
        if group is None:
            if not live_firing(alerts):
                continue
            group = plan.groups[key] = GroupState(key=key, opened_at=now)
        last = (
            Last(frozenset(group.notified_fps), group.notified_at, group.notified_rank) if group.notified_at else None
        )
        trig = triggers(alerts, last, key.startswith("outage:"))
        if last is None:
            first = min((a.fired_at for a in alerts if a.fingerprint in trig and a.fired_at), default=now)
            if (now - first).total_seconds() < d.group_wait:
                continue  # group_wait: let a parent arriving now absorb its children before anything leaves
        reason = needs_notify(last, trig, resolved_of(alerts), d.repeat_interval, now)
        if reason == NotifyReason.RESOLVED and live_firing(alerts):
            reason = NotifyReason.NONE
        if reason == NotifyReason.REPEAT and all(a.acked_at for a in alerts if a.fingerprint in trig):
            reason = NotifyReason.NONE
        if reason == NotifyReason.NONE:
            if not any(a.state != "resolved" for a in alerts):
                plan.groups[key] = replace(group, closed_at=now)  # moved or cancelled without a notice worth sending
            continue
        if reason == NotifyReason.RESOLVED:
            receivers = list(group.told)
        else:
            target = match_route(lead_alert(alerts).labels, routing, local)
            oncall = target.chain[min(group.escalation_level, len(target.chain) - 1)].oncall if target else None
            receivers = receivers_at(routing, oncall, local) if oncall else []
            receivers += [r for r in group.told if r not in receivers]
        listed = [a for a in alerts if a.state != "resolved" or reason == NotifyReason.RESOLVED]
        plan.notify(routing, key, reason, listed, receivers, ack_link, now)
        resolved = reason == NotifyReason.RESOLVED
        plan.groups[key] = replace(
            group,
            told=tuple(sorted(set(group.told) | set(receivers))),
            notified_fps=() if resolved else tuple(sorted(trig)),
            notified_rank=max((rank(a.severity) for a in alerts if a.fingerprint in trig), default=0),
            notified_at=now,
            first_notified_at=group.first_notified_at or now,
            closed_at=now if resolved else group.closed_at,
        )
    for key, group in plan.groups.items():
        if key not in members and group.closed_at is None:
            plan.groups[key] = replace(group, closed_at=now)  # folded into a parent's group: that one speaks
    _escalate(plan, members, routing, now, ack_link)
    return plan


def _escalate(
    plan: Plan, members: dict[str, list[AlertState]], routing: Routing, now: datetime, ack_link: AckLink
) -> None:
    """Tell the next on-call group about critical groups nobody acknowledged in time."""
    local = local_time(routing, now)
    for key, group in plan.groups.items():
        if group.closed_at or not group.first_notified_at:
            continue
        alerts = members.get(key, [])
        notified = set(group.notified_fps)
        waiting = [
            a
            for a in alerts
            if a.state == "firing" and a.severity == "critical" and a.acked_at is None and a.fingerprint in notified
        ]
        if not waiting:
            continue
        target = match_route(lead_alert(alerts).labels, routing, local)
        if target is None:
            continue
        level = due_escalation(target.chain, group.escalation_level, group.first_notified_at, now)
        if level is None:
            continue
        oncall = target.chain[level].oncall
        receivers = receivers_at(routing, oncall, local)
        plan.notify(routing, key, NotifyReason.ESCALATION, waiting, receivers, ack_link, now)
        plan.history += [(a.id, "escalation", f"level {level}: {oncall}") for a in waiting if a.id is not None]
        plan.groups[key] = replace(group, escalation_level=level, told=tuple(sorted(set(group.told) | set(receivers))))
