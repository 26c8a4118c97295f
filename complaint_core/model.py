"""Plain values of the complaint domain: statuses (with a kind), channels, complaints and their events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class StatusKind(StrEnum):
    OPEN = "open"
    FIXED = "fixed"
    CLOSED = "closed"
    HIDDEN = "hidden"


class ComplaintStatus(StrEnum):
    TRIAGE = "triage"  # unroutable: waits for a GRO to give it a town/department
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CITIZEN = "waiting_citizen"  # SLA clock paused
    REASSIGN_REQUESTED = "reassign_requested"
    REOPENED = "reopened"
    ESCALATED = "escalated"  # second reopening: with an escalation officer
    RESOLVED = "resolved"
    VERIFIED = "verified"
    CLOSED = "closed"
    REJECTED = "rejected"

    @property
    def kind(self) -> StatusKind:
        """open / fixed / closed / hidden, the grouping lists and Open311 use."""
        return _KIND[self]

    @property
    def is_open(self) -> bool:
        return self.kind is StatusKind.OPEN

    @property
    def is_fixed(self) -> bool:
        return self.kind is StatusKind.FIXED

    @property
    def is_closed(self) -> bool:
        return self.kind is StatusKind.CLOSED

    @property
    def is_visible(self) -> bool:
        return self.kind is not StatusKind.HIDDEN


_KIND = {s: StatusKind.OPEN for s in ComplaintStatus} | {
    ComplaintStatus.RESOLVED: StatusKind.FIXED,
    ComplaintStatus.VERIFIED: StatusKind.FIXED,
    ComplaintStatus.CLOSED: StatusKind.CLOSED,
    ComplaintStatus.REJECTED: StatusKind.CLOSED,
}
OPEN_STATUSES = frozenset(s for s in ComplaintStatus if s.is_open)


class Channel(StrEnum):
    CALL_CENTRE = "call_centre"
    WEB = "web"
    WALK_IN = "walk_in"
    CHATBOT = "chatbot"
    SMS = "sms"
    MAYOR_OFFICE = "mayor_office"
    EMAIL = "email"
    INTERNAL = "internal"


class ComplaintKind(StrEnum):
    """Who a complaint is for: a citizen's grievance, or the NOC's own ticket for an outage or maintenance.

    Internal tickets follow their outage (no citizen reopen limit, no QC, no SMS) and never count in citizen
    figures (MIS, service delivery, rankings): they have their own section there."""

    CITIZEN = "citizen"
    INTERNAL = "internal"

    @classmethod
    def of(cls, channel: str) -> ComplaintKind:
        return cls.INTERNAL if channel == Channel.INTERNAL.value else cls.CITIZEN


INTERNAL_CHANNELS = frozenset({Channel.INTERNAL.value})  # the channels whose complaints are internal tickets


# Extra fields each channel must carry (the call centre records every call; counters name who took it).
CHANNEL_FIELDS: dict[Channel, tuple[str, ...]] = {
    Channel.CALL_CENTRE: ("caller_number", "call_ref"),
    Channel.WEB: (),
    Channel.WALK_IN: ("counter", "operator"),
    Channel.CHATBOT: ("conversation_ref",),
    Channel.SMS: ("message_ref",),
    Channel.MAYOR_OFFICE: ("reference",),
    Channel.EMAIL: ("email",),
    Channel.INTERNAL: ("source_ref",),
}


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class RejectReason(StrEnum):
    DUPLICATE = "duplicate"
    NOT_OUR_JURISDICTION = "not_our_jurisdiction"
    INSUFFICIENT_INFORMATION = "insufficient_information"


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True)
class Event:
    """One line of a complaint's append-only history."""

    action: str
    actor: str
    role: str | None
    at: datetime
    from_status: ComplaintStatus | None
    to_status: ComplaintStatus | None
    note: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    """A rule of the complaint domain refused something; the message says which."""


class IllegalTransition(DomainError):
    """The action is not allowed from the current status; ``allowed`` lists what is."""

    def __init__(self, action: str, status: ComplaintStatus, allowed: list[str], why: str | None = None) -> None:
        self.action, self.status, self.allowed = action, status, allowed
        msg = why or f"cannot {action} a complaint that is {status.value}"
        super().__init__(f"{msg}; allowed: {', '.join(allowed) or 'none'}")


class InvalidInput(DomainError):
    """Bad input; ``errors`` is every (field, message) found, not only the first."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


class NotFound(DomainError):
    """No such complaint (or not visible to the caller)."""


class Forbidden(DomainError):
    """The actor's role or scope does not allow this."""


class Conflict(DomainError):
    """Someone else changed the complaint first (optimistic locking)."""


def tracking_number(city_code: str, year: int, seq: int) -> str:
    """KHI-2026-0001234: city, year, 7-digit sequence per year."""
    return f"{city_code}-{year}-{seq:07d}"
