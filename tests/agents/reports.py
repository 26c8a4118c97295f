"""Build wire reports for agent tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from agents.wire import CollectResult, DeviceStatus, Reading, Report, ReportKind


def device_report(seq: int, state_change: bool = False, readings: int = 3, device: str = "dev-1") -> Report:
    now = datetime.now(UTC)
    return Report(
        report_id=uuid.uuid4().hex,
        site_id="test-site",
        kind=ReportKind.DEVICE,
        made_at=now,
        seq=seq,
        state_change=state_change,
        device=CollectResult(
            device_id=device,
            status=DeviceStatus.UP,
            collected_at=now,
            readings=[Reading(metric="collector_up", value=1.0, labels={"i": str(i)}) for i in range(readings)],
        ),
    )
