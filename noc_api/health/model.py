"""Plain values the health evaluator produces and the alert engine and ticket bridge consume.

This is the contract between NOC health (issue 5), alerting (issue 6) and outage tickets (issue 8): extend it,
do not break it. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class State(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNREACHABLE = "unreachable"  # something it depends on is down
    UNKNOWN = "unknown"  # never heard, or under maintenance


class Scope(StrEnum):
    DEVICE = "device"
    SITE = "site"
    CHANNEL = "channel"


class Cause(StrEnum):
    POWER = "power"  # UPS on battery then drained / silence
    LINK = "link"  # radio signal fading, SNR falling, link down
    SWITCH = "switch"
    HOST = "host"  # the agent host rebooted
    WORKSTATION = "workstation"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DeviceHealth:
    device_id: str
    site_id: str
    town_id: str
    kind: str
    state: State
    reason: str  # "SNMP timeout", "UPS on battery", "unreachable behind radio-orangi"...
    since: datetime
    root_cause: str | None = None  # for UNREACHABLE: the failed device it sits behind


@dataclass(frozen=True)
class SiteHealth:
    site_id: str
    town_id: str
    state: State
    reason: str
    since: datetime
    last_heard: datetime | None = None


@dataclass(frozen=True)
class ChannelHealth:
    channel_id: str
    kind: str
    site_id: str | None
    state: State
    since: datetime


@dataclass(frozen=True)
class Outage:
    id: int
    scope: Scope
    subject_id: str  # device, site or channel id
    site_id: str | None
    town_id: str | None
    root_cause_device: str | None
    cause: Cause
    started_at: datetime
    ended_at: datetime | None
    channels: tuple[str, ...] = ()  # complaint channels it took down
    affected: tuple[str, ...] = ()  # sites/devices behind it
    in_maintenance: bool = False


@dataclass(frozen=True)
class Sample:
    """The latest value of one metric of one device."""

    device_id: str
    metric: str
    value: float
    at: datetime
    labels: tuple[tuple[str, str], ...] = ()
    text: str | None = None


@dataclass
class HealthSnapshot:
    """Everything known at one evaluation: what alert rules and reports read."""

    at: datetime
    devices: dict[str, DeviceHealth] = field(default_factory=dict)
    sites: dict[str, SiteHealth] = field(default_factory=dict)
    channels: dict[str, ChannelHealth] = field(default_factory=dict)
    outages: list[Outage] = field(default_factory=list)  # open ones
    # The latest reading of every metric a listener asked for (its ``metrics``); agent_* samples name a site.
    latest: list[Sample] = field(default_factory=list)


class OutageEventKind(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"  # cause clearer, outage widened or narrowed
    CLOSED = "closed"


@dataclass(frozen=True)
class OutageEvent:
    kind: OutageEventKind
    outage: Outage
    at: datetime
    note: str = ""


class HealthListener(Protocol):
    """Called after every health evaluation, inside its transaction (alerting and the ticket bridge listen).

    A listener may also have ``metrics``: the reading names whose latest values it wants in ``snapshot.latest``,
    and ``name``: what its failures are counted under.
    """

    def on_health(self, session: Session, snapshot: HealthSnapshot, events: list[OutageEvent], now: datetime) -> None:
        """React to the new snapshot and to the outage events of this evaluation."""
