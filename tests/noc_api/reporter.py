"""A scripted reporter: builds wire-schema batches the way a site agent would (the real agent comes with #4)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

_seq = itertools.count()


def device_report(site: str, device: str, status: str = "up", readings: list[dict] | None = None, **extra) -> dict:
    """One device report as JSON-ready data."""
    now = datetime.now(UTC).isoformat()
    return {
        "report_id": uuid.uuid4().hex,
        "site_id": site,
        "kind": "device",
        "made_at": now,
        "seq": next(_seq),
        "device": {
            "device_id": device,
            "status": status,
            "collected_at": now,
            "readings": readings or [],
            **extra,
        },
    }


def heartbeat(site: str, **agent) -> dict:
    """A heartbeat report."""
    now = datetime.now(UTC).isoformat()
    return {
        "report_id": uuid.uuid4().hex,
        "site_id": site,
        "kind": "heartbeat",
        "made_at": now,
        "seq": next(_seq),
        "agent": {"version": "test", **agent},
    }


def batch(site: str, reports: list[dict], clock: datetime | None = None) -> dict:
    """A batch of reports."""
    return {"site_id": site, "agent_clock": (clock or datetime.now(UTC)).isoformat(), "reports": reports}
