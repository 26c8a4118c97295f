"""Alert lifecycle, pure: pending -> firing -> resolved, with `for`, and flap damping by a growing hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from noc_api.alerting.context import Context, Hit
from noc_api.alerting.loader import LoadedRule
from noc_api.alerting.templates import render
from noc_api.health.model import State

PENDING, FIRING, RESOLVED = "pending", "firing", "resolved"
MAX_FLAP_FACTOR = 4  # each flap lengthens the hold before resolving, up to 4 x keep_firing_for


@dataclass
class AlertState:
    """One alert as the pure core sees it (the store maps it to and from rows)."""

    fingerprint: str
    rule: str
    severity: str
    labels: dict[str, str]
    subject: str
    site_id: str | None
    town_id: str | None
    device_id: str | None
    state: str
    active_at: datetime
    last_true_at: datetime
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    value: float | None = None
    flaps: int = 0
    group_key: str = ""
    muted_by: str | None = None
    folded_into: str | None = None  # the group of the parent this alert was folded into
    annotations: dict[str, Any] = field(default_factory=dict)
    acked_at: datetime | None = None
    acked_by: str | None = None
    clearing_since: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Transition:
    fingerprint: str
    kind: str  # pending | firing | resolved | cancelled | flap | folded | muted | unmuted
    detail: str = ""


def hold_seconds(keep_firing_for: float, flaps: int) -> float:
    """How long a firing alert stays firing after its condition clears (flap damping)."""
    return keep_firing_for * min(1 + flaps, MAX_FLAP_FACTOR)


def annotate(lr: LoadedRule, hit: Hit) -> dict[str, Any]:
    """Rendered summary and description, the runbook, and what the alert took down."""
    r = lr.rule
    return {
        "summary": render(r.summary, hit.values),
        "description": render(r.description, hit.values) if r.description else "",
        "runbook": r.runbook,
        "took_down": list(hit.values.get("took_down", [])),
        "towns": list(hit.values.get("towns", [])),
    }


def _explained_by_parent(a: AlertState, ctx: Context) -> bool:
    """Its subject went unreachable behind a failed parent: we cannot see it, so it has not recovered."""
    for ident in (a.device_id, a.subject):
        d = ctx.snapshot.devices.get(ident or "")
        if d is not None and d.state == State.UNREACHABLE and d.root_cause:
            return True
    return False


def advance(
    prev: dict[str, AlertState],
    hits: dict[str, Hit],
    rules: dict[str, LoadedRule],
    ctx: Context,
    now: datetime,
) -> tuple[dict[str, AlertState], list[AlertState], list[Transition]]:
    """(active alerts after this evaluation, alerts that ended now, transitions)."""
    active: dict[str, AlertState] = {}
    ended: list[AlertState] = []
    out: list[Transition] = []
    for fp, hit in hits.items():
        lr = rules[hit.rule]
        a = prev.get(fp)
        if a is None:
            a = AlertState(
                fp,
                hit.rule,
                hit.severity,
                hit.labels,
                hit.subject,
                hit.site_id,
                hit.town_id,
                hit.device_id,
                PENDING,
                active_at=now,
                last_true_at=now,
                value=hit.value,
            )
            out.append(Transition(fp, PENDING))
        elif a.clearing_since is not None:  # it came back while held: one alert, one more flap, no new notice
            a.flaps += 1
            out.append(Transition(fp, "flap", f"flap {a.flaps}"))
        a.clearing_since = None
        a.last_true_at, a.value, a.labels, a.severity = now, hit.value, hit.labels, hit.severity
        a.annotations = annotate(lr, hit)
        if a.state == PENDING and (now - a.active_at).total_seconds() >= lr.rule.for_:
            a.state, a.fired_at = FIRING, now
            out.append(Transition(fp, FIRING))
        active[fp] = a
    for fp, a in prev.items():
        if fp in hits:
            continue
        loaded = rules.get(a.rule)
        if loaded is None:  # its rule file is broken or gone: keep the alert as it is rather than resolve it falsely
            active[fp] = a
            continue
        if a.state == PENDING:
            a.state, a.resolved_at = RESOLVED, now
            ended.append(a)
            out.append(Transition(fp, "cancelled", "condition cleared before 'for' elapsed"))
            continue
        if _explained_by_parent(a, ctx):
            a.last_true_at = now
            active[fp] = a
            continue
        if (now - a.last_true_at).total_seconds() >= hold_seconds(loaded.keep_firing_for, a.flaps):
            a.state, a.resolved_at, a.clearing_since = RESOLVED, now, None
            ended.append(a)
            out.append(Transition(fp, RESOLVED))
        else:
            a.clearing_since = a.clearing_since or now  # held: a return of the condition counts as a flap
            active[fp] = a
    return active, ended, out
