"""What the NOC read API answers: response models for /docs. Times are ISO 8601 strings, as the queries write them."""

from __future__ import annotations

from pydantic import BaseModel


class OutageOut(BaseModel):
    id: int
    scope: str
    subject_id: str
    site_id: str | None
    town_id: str | None
    root_cause_device: str | None
    cause: str
    started_at: str
    ended_at: str | None
    recovering_since: str | None
    duration_seconds: float
    duration: str  # in words, the same rounding as ticket notes and the MIS
    channels: list[str]
    affected: list[str]
    in_maintenance: bool


class UptimeItem(BaseModel):
    """One channel, site, town or device: uptime over the range, minutes lost, and the outages that touched it."""

    id: str
    uptime_percent: float | None
    minutes_lost: float
    maintenance_minutes: float
    unknown_minutes: float
    outages: list[int]


class UptimeOut(BaseModel):
    by: str
    start: str
    end: str
    items: list[UptimeItem]


class RawPoint(BaseModel):
    at: str
    labels: str
    value: float


class RollupPoint(BaseModel):
    """A 5-minute or hourly bucket."""

    at: str
    labels: str
    min: float
    max: float
    avg: float
    count: int


class SeriesOut(BaseModel):
    device_id: str
    metric: str
    step: str
    points: list[RawPoint | RollupPoint]


class WindowOut(BaseModel):
    """A maintenance window."""

    id: int
    scope: str
    subject_id: str
    starts_at: str
    ends_at: str
    note: str
    created_by: str


class SubjectState(BaseModel):
    """A site's, device's or channel's current state: one of up, degraded, down, unreachable, maintenance,
    unknown; ``since`` is null while it was never evaluated."""

    id: str
    state: str
    reason: str
    since: str | None
    root_cause: str | None = None  # the device whose failure explains this one (unreachable behind it)
    kind: str


class SiteState(SubjectState):
    town_id: str | None
    last_heard: str | None  # the last report from the site's agent
    devices: list[SubjectState]


class ChannelState(SubjectState):
    site_id: str | None


class CityStateOut(BaseModel):
    """The whole city now. Encoded by hand for speed (see health/state_view.py); a test holds it to this model."""

    sites: list[SiteState]
    channels: list[ChannelState]
    site_counts: dict[str, int]
    outages: list[OutageOut]
