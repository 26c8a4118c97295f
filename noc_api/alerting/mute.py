"""Muting and grouping, pure. Dependencies, maintenance and silences share one Muter protocol.

Label semantics (stated, unlike Alertmanager #507): a label an alert lacks has the value "" for matching, so
`town!=orangi` matches an alert without a town and `town=""` matches only alerts without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from noc_api.alerting.context import Context
from noc_api.alerting.lifecycle import AlertState, Transition
from noc_api.health.model import State

OPS = ("=", "!=", "=~", "!~")


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    op: str = "="

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether the label satisfies this matcher (regexes match the whole value)."""
        v = labels.get(self.name, "")
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        found = re.fullmatch(self.value, v) is not None
        return found if self.op == "=~" else not found


def match(labels: dict[str, str], matchers: list[Matcher]) -> bool:
    """True when every matcher holds (an empty list matches nothing, so a silence cannot mute everything)."""
    return bool(matchers) and all(m.matches(labels) for m in matchers)


@dataclass(frozen=True)
class Silence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime


class Muter(Protocol):
    def mutes(self, alert: AlertState) -> str | None:
        """Why the alert is muted (e.g. 'silence:3'), or None."""


class DependencyMuter:
    """No alert for what sits behind a failed parent: the parent's alert lists it instead."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        snap = ctx.snapshot
        self.site_root: dict[str, str] = {}  # site -> a failed device of another site its devices sit behind
        for d in snap.devices.values():
            if d.state == State.UNREACHABLE and d.root_cause:
                parent = snap.devices.get(d.root_cause)
                if parent is not None and parent.site_id != d.site_id:
                    self.site_root.setdefault(d.site_id, d.root_cause)
        for o in snap.outages:
            root = o.root_cause_device
            parent = snap.devices.get(root or "")
            for ident in o.affected:
                if ident in snap.sites and root and parent is not None and parent.site_id != ident:
                    self.site_root.setdefault(ident, root)

    def root_of(self, alert: AlertState) -> str | None:
        """The failed device this alert's subject sits behind, if any."""
        d = self.ctx.snapshot.devices.get(alert.device_id or alert.subject)
        if d is not None and d.state == State.UNREACHABLE and d.root_cause:
            return d.root_cause
        if alert.device_id is None and alert.site_id and (alert.subject == alert.site_id or "channel" in alert.labels):
            return self.site_root.get(alert.site_id)
        return None

    def mutes(self, alert: AlertState) -> str | None:
        """'dependency:<root>' for an alert behind a failed parent."""
        root = self.root_of(alert)
        return f"dependency:{root}" if root and root != alert.device_id else None


class MaintenanceMuter:
    """Maintenance windows come from the NOC (issue 5): outages in maintenance and devices/sites marked so."""

    def __init__(self, ctx: Context) -> None:
        snap = ctx.snapshot
        self.ids: set[str] = set()
        for d in snap.devices.values():
            if d.state == State.UNKNOWN and "maintenance" in d.reason.lower():
                self.ids.add(d.device_id)
        for s in snap.sites.values():
            if s.state == State.UNKNOWN and "maintenance" in s.reason.lower():
                self.ids.add(s.site_id)
        for o in snap.outages:
            if o.in_maintenance:
                self.ids.update(x for x in (o.subject_id, o.root_cause_device, *o.affected) if x)

    def mutes(self, alert: AlertState) -> str | None:
        """'maintenance' when the alert's device, subject or site is under maintenance."""
        hit = {alert.device_id, alert.subject, alert.site_id} & self.ids
        return "maintenance" if hit else None


class SilenceMuter:
    def __init__(self, silences: list[Silence], now: datetime) -> None:
        self.active = [s for s in silences if s.starts_at <= now < s.ends_at]

    def mutes(self, alert: AlertState) -> str | None:
        """'silence:<id>' of the first active silence matching the alert's labels."""
        for s in self.active:
            if match(alert.labels, list(s.matchers)):
                return f"silence:{s.id}"
        return None


def is_suppressed(alert: AlertState, muters: list[Muter]) -> str | None:
    """The first muter's reason, or None."""
    for m in muters:
        why = m.mutes(alert)
        if why:
            return why
    return None


def group_key(alert: AlertState, ctx: Context, root: str | None = None) -> str:
    """Group per outage when the alert (or the parent it sits behind) is part of one, else per site."""
    if "outage" in alert.labels:
        return f"outage:{alert.labels['outage']}"
    for ident in (root, alert.device_id, alert.subject, alert.labels.get("channel"), alert.site_id):
        if ident and ident in ctx.outage_of:
            return f"outage:{ctx.outage_of[ident]}"
    if root:
        parent = ctx.snapshot.devices.get(root)
        if parent is not None:
            return f"site:{parent.site_id}"
    return f"site:{alert.site_id}" if alert.site_id else f"rule:{alert.rule}"


def mute_and_group(alerts: dict[str, AlertState], ctx: Context, muters: list[Muter]) -> list[Transition]:
    """Set each alert's mute reason and group (sticky, except folding into a parent's group)."""
    out: list[Transition] = []
    deps = next((m for m in muters if isinstance(m, DependencyMuter)), None)
    for a in alerts.values():
        why = is_suppressed(a, muters)
        if why != a.muted_by:
            out.append(Transition(a.fingerprint, "muted" if why else "unmuted", why or a.muted_by or ""))
        a.muted_by = why
        root = deps.root_of(a) if deps else None
        if not a.group_key:
            a.group_key = group_key(a, ctx, root if why and why.startswith("dependency:") else None)
        elif why and why.startswith("dependency:") and a.folded_into is None:
            target = group_key(a, ctx, root)
            if target != a.group_key:
                out.append(Transition(a.fingerprint, "folded", f"from {a.group_key} into {target} (behind {root})"))
                a.folded_into, a.group_key = target, target
    return out
