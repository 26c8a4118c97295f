"""What the alerting API answers: the response models /docs shows for /api/v1/alerts and silences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AlertOut(BaseModel):
    """One alert as it stands now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    fingerprint: str
    rule: str
    severity: str
    state: str
    labels: dict[str, str]
    annotations: dict[str, Any]
    subject: str
    site_id: str | None
    town_id: str | None
    device_id: str | None
    group_key: str
    muted_by: str | None
    folded_into: str | None
    value: float | None
    flaps: int
    active_at: datetime
    fired_at: datetime | None
    resolved_at: datetime | None
    acked_at: datetime | None
    acked_by: str | None


class AlertHistoryOut(BaseModel):
    """One line of an alert's append-only history."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    actor: str
    detail: str


class AlertDetailOut(AlertOut):
    """An alert with its history."""

    history: list[AlertHistoryOut]


class AcknowledgedOut(BaseModel):
    acknowledged: list[int]


class RulesStatusOut(BaseModel):
    """The loaded rule files and every problem in them and in the routing file."""

    files: int
    rules: int
    problems: list[str]
    routing: str


class SilenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    matchers: list[dict[str, str]]
    author: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
