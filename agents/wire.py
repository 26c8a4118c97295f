"""The agent <-> NOC wire schema, version 1. Defined once here (pydantic only, no I/O); the NOC imports it.

    agent                                   NOC
    GET  /api/v1/agents/{site}/config  ->   AgentConfig          (bearer site token)
    POST /api/v1/ingest  IngestBatch   ->   IngestResponse       (one ReportResult per report_id)

Reports are idempotent on `report_id`: a resend is answered `duplicate` and stored once. Times are the agent's
clock; the NOC corrects skew with `IngestBatch.agent_clock` (the agent's time when it sent the batch).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from collectors.readings import CollectResult, DeviceStatus, Reading
from collectors.spec import CredentialRef, DeviceSpec

WIRE_VERSION = 1
MAX_REPORTS_PER_BATCH = 500

__all__ = [
    "MAX_REPORTS_PER_BATCH",
    "WIRE_VERSION",
    "AgentConfig",
    "AgentHealth",
    "CollectResult",
    "DeviceStatus",
    "IngestBatch",
    "IngestResponse",
    "Reading",
    "Report",
    "ReportKind",
    "ReportResult",
    "ResultStatus",
]


class ReportKind(StrEnum):
    DEVICE = "device"  # one device's collection
    HEARTBEAT = "heartbeat"  # the agent is alive; carries its own health


class AgentHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = ""
    started_at: AwareDatetime | None = None
    outbox_depth: int = Field(0, ge=0)
    outbox_bytes: int = Field(0, ge=0)
    dropped_total: int = Field(0, ge=0)
    last_send_ok_at: AwareDatetime | None = None
    collector_errors: dict[str, int] = Field(default_factory=dict)  # collector name -> errors since start
    host_booted_at: AwareDatetime | None = None  # lets the NOC tell "host rebooted" from "link lost"


class Report(BaseModel):
    """One unit of delivery: a device's collection or a heartbeat."""

    model_config = ConfigDict(extra="forbid")

    report_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    site_id: str
    kind: ReportKind
    made_at: AwareDatetime  # agent clock
    seq: int = Field(ge=0)  # per-agent sequence, to spot gaps
    state_change: bool = False  # the device's status differs from the previous report (kept when disk is full)
    device: CollectResult | None = None
    agent: AgentHealth | None = None


class IngestBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(WIRE_VERSION, ge=1, le=WIRE_VERSION)
    site_id: str
    agent_clock: AwareDatetime
    reports: list[Report] = Field(min_length=1, max_length=MAX_REPORTS_PER_BATCH)


class ResultStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class ReportResult(BaseModel):
    report_id: str
    status: ResultStatus
    reason: str | None = None


class IngestResponse(BaseModel):
    results: list[ReportResult]
    server_time: datetime
    clock_skew_seconds: float = 0.0  # NOC time minus agent time


class AgentConfig(BaseModel):
    """What a site's agent collects. Credentials are references: the agent reads secrets from its environment."""

    model_config = ConfigDict(extra="forbid")

    version: int = WIRE_VERSION
    site_id: str
    config_id: str  # changes whenever the devices change (ETag)
    heartbeat_seconds: float = 10.0
    agent_host: str | None = None
    devices: list[DeviceSpec]
    credentials: list[CredentialRef]
