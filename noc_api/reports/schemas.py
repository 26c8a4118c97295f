"""The MIS report's JSON shape, for /docs. Rows keep any figure a newer report adds (extra keys pass through)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class PeriodOut(BaseModel):
    kind: str
    label: str
    start: str
    end: str
    timezone: str = "UTC"
    start_local: str = ""  # in the city's zone, as people read it ("01 May 2026 00:00 PKT")
    end_local: str = ""


class BreakdownRow(BaseModel):
    """Complaint flow of one town, department, channel, category, officer or the whole city."""

    model_config = ConfigDict(extra="allow")  # rankings add their index and rank

    key: str | None
    name: str | None = None  # the town's, department's, category's, channel's or officer's name
    received: int
    resolved: int
    pending: int
    overdue: int
    reopened: int
    rejected: int
    on_time: int
    sla_compliance_percent: float | None
    avg_resolution_hours: float | None
    p50_resolution_hours: float | None
    p90_resolution_hours: float | None


class MisReportOut(BaseModel):
    """The MIS report of one period, with the previous period's city figures to compare."""

    period: PeriodOut
    overall: BreakdownRow | None
    previous: BreakdownRow | None
    by_town: list[BreakdownRow]
    by_department: list[BreakdownRow]
    by_channel: list[BreakdownRow]
    by_category: list[BreakdownRow]
    by_ward: list[dict[str, Any]] = []  # sector-wise: a breakdown row per ward within its town (town, town_name)
    by_officer: list[BreakdownRow]
    top_categories: list[dict[str, Any]]
    aging: list[dict[str, Any]]
    uptime_throughput: list[dict[str, Any]]  # uptime_percent null and monitored false: nobody observed it
    stories: list[str]  # one line per channel that was down
    internal_tickets: BreakdownRow  # the NOC's own tickets, never counted in the citizen figures above
    restore_times: list[dict[str, Any]]  # internal NOC tickets: time to restore per town and cause
    qc: dict[str, Any]
    by_sub_category: list[dict[str, Any]]


class TownMaintenance(BaseModel):
    town_id: str | None
    town: str | None
    due: int
    on_time: int
    late: int
    not_done: int
    on_time_ratio: float | None


class HostCompliance(BaseModel):
    device_id: str
    patched: bool | None  # None: the host had not reported
    signatures_current: bool | None
    not_available: list[str]  # checks the host cannot make (no package manager, no antivirus)


class SiteHygiene(BaseModel):
    site_id: str
    site: str
    town_id: str | None
    hosts: int
    patched: int
    signatures_current: int
    not_reported: int
    not_available: int
    patch_compliance: float | None
    signature_compliance: float | None
    by_host: list[HostCompliance]


class MaintenanceReportOut(BaseModel):
    period: PeriodOut
    as_of: str
    maintenance_by_town: list[TownMaintenance]
    hygiene_by_site: list[SiteHygiene]
