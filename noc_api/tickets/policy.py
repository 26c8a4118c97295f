"""Which outages raise internal tickets, under which category, and what the ticket says. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from noc_api.health.durations import format_duration
from noc_api.health.model import Cause, Outage, Scope
from noc_api.settings import Settings

CATEGORY_BY_CAUSE = {
    Cause.POWER: "noc-power",
    Cause.LINK: "noc-link",
    Cause.SWITCH: "noc-switch",
    Cause.WORKSTATION: "noc-workstation",
    Cause.HOST: "noc-unknown",
    Cause.UNKNOWN: "noc-unknown",
}
INFRASTRUCTURE = frozenset({"radio", "switch", "router", "firewall", "ups", "generator", "server", "pbx"})


@dataclass(frozen=True)
class TicketPolicy:
    """Configuration of the outage-to-ticket bridge (defaults follow the city's practice)."""

    scopes: frozenset[str] = frozenset({Scope.SITE, Scope.CHANNEL, Scope.DEVICE})
    # A device outage raises a ticket when the device is infrastructure, when it took a channel down, or when
    # something sits behind it; a lone counter PC with its twin still serving does not.
    device_kinds: frozenset[str] = INFRASTRUCTURE
    skip_maintenance: bool = True  # planned work has its own ticket, raised by hand
    reuse_minutes: int = 30  # a site failing again this soon after its ticket was resolved reopens that ticket
    categories: dict[str, str] = field(default_factory=lambda: {c.value: v for c, v in CATEGORY_BY_CAUSE.items()})

    @classmethod
    def from_settings(cls, settings: Settings) -> TicketPolicy:
        """The policy as configured by CCIS_TICKET_SCOPES and CCIS_TICKET_REUSE_MINUTES."""
        scopes = frozenset(Scope(x.strip()) for x in settings.ticket_scopes.split(",") if x.strip())
        return cls(scopes=scopes, reuse_minutes=settings.ticket_reuse_minutes)


def wants_ticket(policy: TicketPolicy, outage: Outage, device_kind: str | None) -> bool:
    """True when ``outage`` should raise (or reuse) an internal ticket."""
    if outage.scope not in policy.scopes:
        return False
    if outage.in_maintenance and policy.skip_maintenance:
        return False
    if outage.scope == Scope.DEVICE:
        return bool(outage.channels or outage.affected) or (device_kind in policy.device_kinds)
    return True


def category_for(policy: TicketPolicy, cause: str) -> str:
    return policy.categories.get(str(cause), policy.categories.get(Cause.UNKNOWN.value, "noc-unknown"))


def _what(outage: Outage) -> str:
    if outage.scope == Scope.SITE:
        return f"site {outage.subject_id}"
    if outage.scope == Scope.CHANNEL:
        return f"channel {outage.subject_id}"
    return f"device {outage.subject_id}"


def ticket_description(outage: Outage, outage_url: str) -> str:
    """The ticket's text: scope, root cause, cause guess, affected channels and a live link to the outage."""
    lines = [
        f"NOC outage #{outage.id}: {_what(outage)} down since {outage.started_at:%Y-%m-%d %H:%M} UTC.",
        f"Cause (guess): {outage.cause}.",
    ]
    if outage.root_cause_device:
        lines.append(f"Root cause device: {outage.root_cause_device}.")
    if outage.channels:
        lines.append("Complaint channels down: " + ", ".join(outage.channels) + ".")
    if outage.affected:
        shown = list(outage.affected[:20])
        more = len(outage.affected) - len(shown)
        lines.append("Affected: " + ", ".join(shown) + (f" and {more} more" if more > 0 else "") + ".")
    lines.append(f"Live outage: {outage_url}")
    return "\n".join(lines)


def update_note(before: Outage | None, after: Outage, note: str) -> str | None:
    """A note for the ticket when the outage's picture changed; None when nothing worth saying changed."""
    parts = []
    if before is None or before.cause != after.cause:
        parts.append(f"cause now {after.cause}")
    if before is None or set(after.channels) != set(before.channels):
        parts.append("channels down: " + (", ".join(after.channels) or "none"))
    if before is None or set(after.affected) != set(before.affected):
        parts.append(f"{len(after.affected)} sites/devices affected")
    if note:
        parts.append(note)
    return ("Outage update: " + "; ".join(parts) + ".") if parts else None


def resolution_note(outage: Outage, ended_at: datetime) -> str:
    """What the automatic resolution says: duration, channel downtime and cause (one duration formatter for all:
    the outage API and the MIS say the same)."""
    seconds = (ended_at - outage.started_at).total_seconds()
    text = f"Outage #{outage.id} ended at {ended_at:%Y-%m-%d %H:%M} UTC after {format_duration(seconds)}"
    text += f"; cause {outage.cause}"
    if outage.root_cause_device:
        text += f" (root cause {outage.root_cause_device})"
    if outage.channels:
        n = len(outage.channels)
        text += f"; {', '.join(outage.channels)} down {format_duration(seconds)}"
        if n > 1:
            text += f" each ({format_duration(seconds * n)} of channel downtime)"
    return text + ". Resolved automatically by the NOC; add the fix and close."
