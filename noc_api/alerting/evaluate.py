"""Pure rule evaluation: (rules, snapshot, memory, active fingerprints, now) -> hits. No I/O, no clock.

Within one evaluation every rule sees the same snapshot, whose dependency graph is already resolved (each
unreachable device names its root cause), so there is no parent/child ordering to get wrong here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from noc_api.alerting.context import Context, Hit, fingerprint
from noc_api.alerting.loader import LoadedRule
from noc_api.alerting.rules import Rule, Target
from noc_api.health.model import HealthSnapshot

# (device, metric, labels) -> (value, at, rate per minute from the sample before, if any): for rates of change.
# Between two samples (sweeps run more often than devices are polled) the last rate still stands, so a rule's
# `for` can run over many sweeps instead of being cancelled by every sweep that brings no new sample.
Memory = dict[tuple[str, str, tuple], tuple[float, datetime, float | None]]


def _where_ok(rule: Rule, kind: str | None, site: str | None, town: str | None) -> bool:
    sel = rule.select
    return (
        (not sel.device_kind or kind in sel.device_kind)
        and (not sel.site or site in sel.site)
        and (not sel.town or town in sel.town)
    )


def _labels_ok(rule: Rule, labels: dict[str, str]) -> bool:
    sel = rule.select
    if any(labels.get(k) != v for k, v in sel.labels.items()):
        return False
    return all(re.fullmatch(p, labels.get(k, "")) for k, p in sel.labels_regex.items())


def _threshold(rule: Rule, value: float, active: bool) -> bool:
    w = rule.when
    if w.above is not None:
        return value > (w.clear_below if active and w.clear_below is not None else w.above)
    if w.below is not None:
        return value < (w.clear_above if active and w.clear_above is not None else w.below)
    return w.equals is not None and value == w.equals


def _hit(
    lr: LoadedRule,
    identity: dict[str, str],
    subject: str,
    site: str | None,
    town: str | None,
    device: str | None,
    value: float | None,
    ctx: Context,
    extra: dict[str, Any],
) -> Hit:
    rule = lr.rule
    labels = {**rule.labels, **{k: v for k, v in identity.items() if v}}
    labels.update(alertname=rule.name, severity=rule.severity.value)
    if extra.get("device_kind"):
        labels["device_kind"] = extra["device_kind"]  # routes may pick on-call groups by device kind
    if site:
        labels["site"] = site
    if town:
        labels["town"] = town
    took, towns = ctx.took_down(device, tuple(extra.pop("affected", ())))
    values = {
        "rule": rule.name,
        "subject": subject,
        "site": site or "",
        "town": town or "",
        "device": device or "",
        "value": value if value is not None else 0.0,
        "labels": labels,
        "took_down": took,
        "towns": towns,
        **extra,
    }
    return Hit(
        fingerprint(rule.name, identity),
        rule.name,
        rule.severity.value,
        labels,
        subject,
        site,
        town,
        device,
        value,
        values,
    )


def _state_hits(lr: LoadedRule, ctx: Context) -> list[Hit]:
    rule, snap, out = lr.rule, ctx.snapshot, []
    wanted = set(rule.when.state or ())
    target = rule.select.state_of
    if target == Target.DEVICE:
        for d in snap.devices.values():
            if d.state in wanted and _where_ok(rule, d.kind, d.site_id, d.town_id):
                out.append(
                    _hit(
                        lr,
                        {"device": d.device_id},
                        d.device_id,
                        d.site_id,
                        d.town_id,
                        d.device_id,
                        None,
                        ctx,
                        {"kind": d.kind, "device_kind": d.kind, "reason": d.reason, "since": d.since},
                    )
                )
    elif target == Target.SITE:
        for s in snap.sites.values():
            if s.state in wanted and _where_ok(rule, None, s.site_id, s.town_id):
                out.append(
                    _hit(
                        lr,
                        {"site": s.site_id},
                        s.site_id,
                        s.site_id,
                        s.town_id,
                        None,
                        None,
                        ctx,
                        {"reason": s.reason, "since": s.since},
                    )
                )
    elif target == Target.CHANNEL:
        for c in snap.channels.values():
            site = snap.sites.get(c.site_id) if c.site_id else None
            town = site.town_id if site else None
            if (
                c.state in wanted
                and _where_ok(rule, None, c.site_id, town)
                and (not rule.select.channel_kind or c.kind in rule.select.channel_kind)
            ):
                out.append(
                    _hit(
                        lr,
                        {"channel": c.channel_id},
                        c.channel_id,
                        c.site_id,
                        town,
                        None,
                        None,
                        ctx,
                        {"channel_kind": c.kind, "since": c.since},
                    )
                )
    elif target == Target.OUTAGE and "open" in wanted:
        for o in snap.outages:
            sel = rule.select
            if (sel.outage_scope and o.scope not in sel.outage_scope) or (sel.cause and o.cause not in sel.cause):
                continue
            if _where_ok(rule, None, o.site_id, o.town_id):
                out.append(
                    _hit(
                        lr,
                        {"outage": str(o.id)},
                        o.subject_id,
                        o.site_id,
                        o.town_id,
                        o.root_cause_device,
                        None,
                        ctx,
                        {
                            "cause": o.cause.value,
                            "since": o.started_at,
                            "channels": list(o.channels),
                            "affected": o.affected,
                            "outage_id": o.id,
                        },
                    )
                )
    return out


def _subject(snap: HealthSnapshot, ident: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(device kind, site, town, device) of a sample's subject: a device, or a site (its agent's own health)."""
    d = snap.devices.get(ident)
    if d is not None:
        return d.kind, d.site_id, d.town_id, ident
    s = snap.sites.get(ident)
    if s is not None:
        return None, s.site_id, s.town_id, None
    return None, None, None, ident


def _identity(snap: HealthSnapshot, ident: str, labels: dict[str, str]) -> dict[str, str]:
    return (
        {"device": ident, **labels} if ident in snap.devices or ident not in snap.sites else {"site": ident, **labels}
    )


def _metric_hits(lr: LoadedRule, ctx: Context, memory: Memory, active: set[str], now: datetime) -> list[Hit]:
    rule, snap, out = lr.rule, ctx.snapshot, []
    metric = rule.select.metric or ""
    kind = rule.when.kind
    if kind == "absent_for":
        return _absent_hits(lr, ctx, now)
    sel_labels, sel_regex = rule.select.labels, rule.select.labels_regex
    hysteresis = rule.when.clear_below is not None or rule.when.clear_above is not None
    for s in ctx.by_metric.get(metric, ()):
        dev_kind, site, town, device = _subject(snap, s.device_id)
        labels = dict(s.labels)
        if not _where_ok(rule, dev_kind, site, town):
            continue
        if (sel_labels or sel_regex) and not _labels_ok(rule, labels):
            continue
        rate = None
        if kind in ("rate_below", "rate_above"):
            rate = _rate(memory, (s.device_id, metric, s.labels), s.value, s.at)
            if rate is None:
                continue
            below, above = rule.when.rate_below, rule.when.rate_above
            holds = rate < below if below is not None else above is not None and rate > above
        else:
            holds = _threshold(rule, s.value, False)
            if not holds and hysteresis and _threshold(rule, s.value, True):
                # in the hysteresis band: only an alert already active stays (the fingerprint is costly, so late)
                holds = fingerprint(rule.name, _identity(snap, s.device_id, labels)) in active
        if holds:
            extra: dict[str, Any] = {"kind": dev_kind or "", "device_kind": dev_kind or "", "at": s.at}
            if rate is not None:
                extra["rate"] = rate
            out.append(
                _hit(lr, _identity(snap, s.device_id, labels), s.device_id, site, town, device, s.value, ctx, extra)
            )
    return out


def _rate(memory: Memory, key: tuple[str, str, tuple], value: float, at: datetime) -> float | None:
    """Change per minute between the two latest samples (remembered until a newer sample replaces it)."""
    prev = memory.get(key)
    if prev is None or prev[1] < at:
        rate = None if prev is None else (value - prev[0]) / ((at - prev[1]).total_seconds() / 60.0)
        memory[key] = (value, at, rate)
        return rate
    return prev[2]


def _absent_hits(lr: LoadedRule, ctx: Context, now: datetime) -> list[Hit]:
    """Absence of samples already seen once (a device never heard is `unknown`, which state rules cover)."""
    rule, snap = lr.rule, ctx.snapshot
    limit = rule.when.absent_for or 0.0
    samples = ctx.by_metric.get(rule.select.metric or "", [])
    if rule.when.per == "city":
        if samples and all((now - s.at).total_seconds() >= limit for s in samples):
            newest = max(s.at for s in samples)
            return [_hit(lr, {"scope": "city"}, "city", None, None, None, None, ctx, {"last_seen": newest})]
        return []
    newest_by_subject: dict[str, datetime] = {}
    for s in samples:
        newest_by_subject[s.device_id] = max(s.at, newest_by_subject.get(s.device_id, s.at))
    out = []
    for ident, at in newest_by_subject.items():
        dev_kind, site, town, device = _subject(snap, ident)
        if (now - at).total_seconds() >= limit and _where_ok(rule, dev_kind, site, town):
            out.append(_hit(lr, _identity(snap, ident, {}), ident, site, town, device, None, ctx, {"last_seen": at}))
    return out


def evaluate(
    rules: list[LoadedRule], snapshot: HealthSnapshot, memory: Memory, active: set[str], now: datetime
) -> tuple[dict[str, Hit], Context]:
    """Every hit of every rule, keyed by fingerprint; ``memory`` is updated with this evaluation's samples."""
    ctx = Context(snapshot)
    hits: dict[str, Hit] = {}
    for lr in rules:
        found = _state_hits(lr, ctx) if lr.rule.select.state_of else _metric_hits(lr, ctx, memory, active, now)
        for h in found:
            hits[h.fingerprint] = h
    return hits, ctx
