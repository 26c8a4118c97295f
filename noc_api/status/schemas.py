"""What the public status API answers about offices (response models for /docs)."""

from __future__ import annotations

from pydantic import BaseModel

from noc_api.notices.schemas import NoticeOut


class OfficeOut(BaseModel):
    id: str
    name: str
    kind: str
    address: str | None
    phone: str | None
    counters: list[str]  # the walk-in counters it keeps, by name
    hours: str | None


class TownOut(BaseModel):
    id: str
    name: str
    zone: str | None
    wards: list[str]
    offices: list[OfficeOut]


class DepartmentOut(BaseModel):
    id: str
    name: str
    city_wide: bool
    head: str | None
    phone: str | None
    email: str | None


class DirectoryOut(BaseModel):
    """Towns and wards, offices and counters with their hours, departments and their public contacts."""

    city: str
    counter_hours: str
    towns: list[TownOut]
    city_offices: list[OfficeOut]
    departments: list[DepartmentOut]


class DayBarOut(BaseModel):
    date: str
    state: str  # up, partial, down, maintenance, or none (not monitored: never counted as down)
    uptime_percent: float | None
    minutes_down: int


class ChannelStatusOut(BaseModel):
    id: str
    name: str
    kind: str
    town_id: str | None
    state: str
    words: str  # the state in words ("Open", "Closed for maintenance", "Not monitored")
    since: str | None
    since_local: str | None
    uptime_90d_percent: float | None  # None: never monitored
    days: list[DayBarOut]


class IncidentOut(BaseModel):
    channel: str
    name: str
    since: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    cause: str | None
    text: str  # in plain words, with where else to go


class IncidentsOut(BaseModel):
    current: list[IncidentOut]
    past: list[IncidentOut]


class MaintenanceAheadOut(BaseModel):
    channels: list[str]
    starts_at: str
    ends_at: str
    text: str
    now: bool


class StatusOut(BaseModel):
    """The public status board, as last built; ``as_of`` says when."""

    city: str
    as_of: str
    as_of_local: str
    time_zone: str
    channels: list[ChannelStatusOut]
    incidents: IncidentsOut
    maintenance: list[MaintenanceAheadOut]
    notices: list[NoticeOut]
