"""Deciding when a group is notified, pure (Alertmanager's DedupStage.needsUpdate with `now` passed in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from noc_api.alerting.lifecycle import FIRING, RESOLVED, AlertState
from noc_api.alerting.routing import Step
from noc_api.alerting.rules import Severity


class NotifyReason(StrEnum):
    NONE = "none"
    FIRING = "firing"  # the group's first notification
    UPDATE = "update"  # new alerts joined a group already notified
    RESOLVED = "resolved"  # everything notified has resolved
    REPEAT = "repeat"  # still firing, unacknowledged, after repeat_interval
    ESCALATION = "escalation"  # nobody acknowledged: tell the next in the chain


@dataclass(frozen=True)
class Last:
    """What the group's last notification said."""

    fps: frozenset[str]
    at: datetime
    rank: int = 0  # its severity rank


def needs_notify(
    last: Last | None, firing: frozenset[str], resolved: frozenset[str], repeat: float, now: datetime
) -> NotifyReason:
    """Why the group must be notified now, or NONE."""
    if not firing:
        return NotifyReason.RESOLVED if last is not None and last.fps & resolved else NotifyReason.NONE
    if last is None or not last.fps:
        return NotifyReason.FIRING
    if firing - last.fps:
        return NotifyReason.UPDATE
    if (now - last.at).total_seconds() >= repeat:
        return NotifyReason.REPEAT
    return NotifyReason.NONE


def rank(severity: str) -> int:
    """Severity rank (unknown counts as info)."""
    try:
        return Severity(severity).rank
    except ValueError:
        return 0


def triggers(members: list[AlertState], last: Last | None, outage_group: bool) -> frozenset[str]:
    """The alerts that may cause a notification: firing, not muted, not folded from elsewhere.

    In an outage's group, once notified, a later alert about the same outage only triggers an update when it
    raises the severity; otherwise it is listed in the next notice (one outage, one notification).
    """
    live = [a for a in members if a.state == FIRING and a.muted_by is None and a.folded_into is None]
    if outage_group and last is not None and last.fps:
        live = [a for a in live if a.fingerprint in last.fps or rank(a.severity) > last.rank]
    return frozenset(a.fingerprint for a in live)


def live_firing(members: list[AlertState]) -> bool:
    """Any unmuted alert still firing (a group is not resolved while one is)."""
    return any(a.state == FIRING and a.muted_by is None and a.folded_into is None for a in members)


def resolved_of(members: list[AlertState]) -> frozenset[str]:
    """Fingerprints of the group's resolved alerts."""
    return frozenset(a.fingerprint for a in members if a.state == RESOLVED)


def due_escalation(chain: tuple[Step, ...], level: int, since: datetime, now: datetime) -> int | None:
    """The chain step now due after ``level`` (counted from the first notice at ``since``), or None."""
    elapsed = (now - since).total_seconds()
    nxt = None
    for i in range(level + 1, len(chain)):
        if elapsed >= chain[i].after:
            nxt = i
    return nxt
