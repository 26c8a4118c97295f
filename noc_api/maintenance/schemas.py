"""What the maintenance API answers (response models for /docs). Times are ISO 8601 strings as the queries write
them; a check a host cannot make says so ("not available", with the reason), never passes as healthy."""

from __future__ import annotations

from pydantic import BaseModel


class MaintenanceTicketOut(BaseModel):
    tracking_number: str
    plan_id: str
    plan: str
    every: str | None
    site_id: str
    site: str
    town_id: str | None
    period: str
    period_start: str
    due_at: str
    status: str | None
    assignee: str | None
    started_at: str | None
    started_by: str | None
    completed_at: str | None
    on_time: bool | None
    overdue: bool
    items_done: int
    items_total: int
    items_failed: int
    windows: list[int]  # maintenance windows opened when the work started


class ChecklistItemOut(BaseModel):
    id: int
    position: int
    item_id: str
    device_id: str | None
    text: str
    result: str | None  # done, failed or not yet
    note: str | None
    ticked_by: str | None
    ticked_at: str | None
    fault_tracking: str | None  # the fault ticket a failed item raised


class MaintenanceDetailOut(MaintenanceTicketOut):
    items: list[ChecklistItemOut]


class QueueOut(BaseModel):
    """An IT queue internal tickets are assigned to."""

    id: str
    town_id: str | None
    name: str
    members: list[str]
    staffed: bool
    open_tickets: int


class CheckOut(BaseModel):
    available: bool | None  # None: not reported yet
    reason: str | None


class UpdatesOut(CheckOut):
    pending: float | None = None
    security: float | None = None
    security_names: str | None = None
    security_pending_since: str | None = None
    security_pending_seconds: float | None = None
    lists_age_seconds: float | None = None
    applied_age_seconds: float | None = None


class AntivirusOut(CheckOut):
    age_seconds: float | None = None
    version: str | None = None


class DiskOut(BaseModel):
    disk: str
    passed: bool


class DiskHealthOut(CheckOut):
    disks: list[DiskOut] = []


class ComplianceOut(BaseModel):
    patches: bool
    signatures: bool


class HostHygieneOut(BaseModel):
    device_id: str
    reported_at: str | None
    os_updates: UpdatesOut
    antivirus: AntivirusOut
    disk_health: DiskHealthOut
    compliant: ComplianceOut


class PeripheralOut(BaseModel):
    device_id: str
    kind: str
    reachable: bool | None
    status: str
    error: str | None
    at: str | None


class RecordingStoreOut(BaseModel):
    device_id: str
    store: str
    available: bool | None
    reason: str | None
    path: str | None = None
    files: float | None = None
    newest_age_seconds: float | None = None
    lag_seconds: float | None = None


class SiteHygieneOut(BaseModel):
    site_id: str
    site: str
    town_id: str | None
    hosts: list[HostHygieneOut]
    peripherals: list[PeripheralOut]
    recordings: list[RecordingStoreOut]


class HygieneOut(BaseModel):
    at: str
    overdue_maintenance: list[MaintenanceTicketOut]
    sites: list[SiteHygieneOut]
