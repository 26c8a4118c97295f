"""Texts of a group's notification: email subject and body, a short SMS, a JSON webhook payload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from noc_api.alerting.dispatch import NotifyReason, rank
from noc_api.alerting.lifecycle import AlertState

_VERB = {
    NotifyReason.FIRING: "FIRING",
    NotifyReason.UPDATE: "UPDATE",
    NotifyReason.REPEAT: "STILL FIRING",
    NotifyReason.ESCALATION: "ESCALATED",
    NotifyReason.RESOLVED: "RESOLVED",
}


def lead_alert(alerts: list[AlertState]) -> AlertState:
    """The group's headline: the most severe, earliest alert that is not folded in from elsewhere."""
    own = [a for a in alerts if a.folded_into is None and not (a.muted_by or "").startswith("dependency:")] or alerts
    return sorted(own, key=lambda a: (-rank(a.severity), a.active_at, a.id or 0))[0]


def affected(alerts: list[AlertState]) -> tuple[list[str], list[str]]:
    """Everything the group's alerts took down, and the towns concerned."""
    took: set[str] = set()
    towns: set[str] = set()
    for a in alerts:
        took.update(a.annotations.get("took_down", []))
        towns.update(a.annotations.get("towns", []))
        if (a.muted_by or "").startswith("dependency:") or a.folded_into:
            took.add(a.device_id or a.subject)
            if a.town_id:
                towns.add(a.town_id)
    return sorted(took), sorted(towns)


def compose(
    reason: NotifyReason, key: str, alerts: list[AlertState], ack_url: str | None, now: datetime
) -> dict[str, Any]:
    """Subject, body, sms text and webhook payload for one notification of a group."""
    lead = lead_alert(alerts)
    took, towns = affected(alerts)
    sev = max((a.severity for a in alerts), key=rank)
    subject = f"[{_VERB.get(reason, reason.upper())}] [{sev.upper()}] {lead.annotations.get('summary', lead.rule)}"
    if len(took) > 0 and reason != NotifyReason.RESOLVED:
        subject += f" (+{len(took)} affected)"
    lines = [subject, ""]
    for a in sorted(alerts, key=lambda a: (-rank(a.severity), a.id or 0)):
        note = ""
        if a.folded_into:
            note = " [folded in: sits behind the failed parent; notified earlier]" if a.fired_at else " [folded in]"
        elif a.muted_by and a.muted_by.startswith("dependency:"):
            note = f" [behind {a.muted_by.split(':', 1)[1]}]"
        elif a.muted_by:
            note = f" [{a.muted_by}]"
        lines.append(f"- {a.state.upper()} {a.severity}: {a.annotations.get('summary', a.rule)}{note}")
        if a.annotations.get("description"):
            lines.append(f"  {a.annotations['description']}")
        if a.annotations.get("runbook"):
            lines.append(f"  runbook: {a.annotations['runbook']}")
    if took:
        lines += ["", f"Took down ({len(took)}): {', '.join(took)}"]
    if towns:
        lines.append(f"Towns: {', '.join(towns)}")
    if ack_url and reason != NotifyReason.RESOLVED:
        lines += ["", f"Acknowledge: {ack_url}"]
    lines += ["", f"Group {key}, {now.isoformat(timespec='seconds')}"]
    sms = f"{subject}"[:140] + (f" Ack: {ack_url}" if ack_url and reason != NotifyReason.RESOLVED else "")
    payload = {
        "reason": reason.value,
        "group": key,
        "severity": sev,
        "summary": lead.annotations.get("summary", lead.rule),
        "took_down": took,
        "towns": towns,
        "ack_url": ack_url if reason != NotifyReason.RESOLVED else None,
        "alerts": [
            {
                "id": a.id,
                "rule": a.rule,
                "state": a.state,
                "severity": a.severity,
                "labels": a.labels,
                "summary": a.annotations.get("summary"),
                "muted_by": a.muted_by,
                "folded_into": a.folded_into,
            }
            for a in alerts
        ],
        "at": now.isoformat(),
    }
    return {"subject": subject, "body": "\n".join(lines), "sms": sms, "payload": payload}
