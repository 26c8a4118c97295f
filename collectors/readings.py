"""What a collector returns: typed readings and a device status. Shared with the wire schema in agents/."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DeviceStatus(StrEnum):
    """The device as its collector saw it (the NOC adds `unreachable behind a parent` from the graph)."""

    UP = "up"
    DEGRADED = "degraded"  # answering, but something is wrong (UPS on battery, port errors, weak signal)
    DOWN = "down"  # answering and says it is down (e.g. radio link lost, ifOperStatus down on the uplink)
    UNREACHABLE = "unreachable"  # the collector could not reach it (timeout, refused, auth failed)
    UNKNOWN = "unknown"  # not collected (no collector, not due, maintenance)


class Reading(BaseModel):
    """One value: a metric from collectors.metrics, its unit, its labels, the agent's time of reading."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)
    value: float = Field(allow_inf_nan=False)  # NaN and infinities are no measurement
    unit: str = Field("", max_length=20)
    labels: dict[str, str] = Field(default_factory=dict, max_length=10)
    text: str | None = Field(None, max_length=200)  # e.g. a peer MAC or an error message
    at: datetime | None = None  # defaults to the report's collected_at


class CollectResult(BaseModel):
    """Everything one collection of one device produced."""

    model_config = ConfigDict(extra="forbid")

    device_id: str
    status: DeviceStatus
    error: str | None = Field(None, max_length=500)  # why unreachable/down/degraded, in words
    collected_at: datetime
    duration_ms: float = Field(0.0, ge=0)  # the collection's own cycle time
    readings: list[Reading] = Field(default_factory=list, max_length=5000)
