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
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

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


class IngestEnvelope(BaseModel):
    """A batch as the NOC first reads it: the envelope strictly, each report on its own afterwards, so one bad
    report gets its own rejection instead of refusing (and blocking) the whole batch."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(WIRE_VERSION, ge=1, le=WIRE_VERSION)
    site_id: str = Field(max_length=64)
    agent_clock: AwareDatetime
    reports: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_REPORTS_PER_BATCH)

    def split(self) -> tuple[IngestBatch, list[ReportResult]]:
        """The valid reports as a batch, and a rejection (with the reason) for each report that is not."""
        good: list[Report] = []
        bad: list[ReportResult] = []
        for i, raw in enumerate(self.reports):
            try:
                good.append(Report.model_validate(raw))
            except ValidationError as exc:
                rid = raw.get("report_id")
                rid = rid if isinstance(rid, str) and 0 < len(rid) <= 64 else f"#{i}"
                why = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
                bad.append(ReportResult(report_id=rid, status=ResultStatus.REJECTED, reason=why[:500]))
        batch = IngestBatch.model_construct(
            version=self.version, site_id=self.site_id, agent_clock=self.agent_clock, reports=good
        )
        return batch, bad

    @classmethod
    def read(cls, body: bytes) -> tuple[IngestBatch, list[ReportResult]]:
        """``model_validate_json(body).split()``, in one pass when every report is valid (nearly always).

        The whole batch is read straight from the JSON text by the strict schema first; only when that fails is it
        read again the careful way, so a bad report is still refused on its own and a bad envelope still raises.
        Reading the envelope first and each report from Python dicts afterwards cost more than the storing.
        """
        try:
            whole = _WholeEnvelope.model_validate_json(body)
        except ValidationError:
            return cls.model_validate_json(body).split()
        batch = IngestBatch.model_construct(
            version=whole.version, site_id=whole.site_id, agent_clock=whole.agent_clock, reports=whole.reports
        )
        return batch, []


class _WholeEnvelope(BaseModel):
    """IngestEnvelope with its reports read as reports: valid only when the envelope and every report are."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(WIRE_VERSION, ge=1, le=WIRE_VERSION)
    site_id: str = Field(max_length=64)
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
