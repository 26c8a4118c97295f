"""Ingest: check a batch against the sender's site, store it idempotently in a few multi-row statements.

The hot path uses SQLAlchemy Core (one statement per table per batch, executemany), not the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from agents.wire import IngestBatch, IngestResponse, Report, ReportKind, ReportResult, ResultStatus
from noc_api.db import noc_models as nm
from noc_api.ingest import sql
from noc_api.ingest.series import SeriesIds
from noc_api.ingest.series import resolve as resolve_series
from noc_api.ingest.sql import Key

AGENTS: Table = nm.AgentStatus.__table__

RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure


class IngestForbidden(Exception):
    """The batch claims a site the token does not belong to."""


def labels_key(labels: dict[str, str]) -> str:
    """Canonical text of a label set: sorted k=v pairs joined by commas ('' when none)."""
    if not labels:
        return ""
    if len(labels) == 1:  # most readings: one interface, one peer
        for k, v in labels.items():
            return f"{k}={v}"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


@dataclass
class Planned:
    """The rows one batch turns into, and the answer for each report."""

    results: list[ReportResult] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    # By report id, readings as tuples in sql.SERIES_COLS order (device, metric, labels, site, value, text, ts):
    # the hot path builds no dicts.
    readings: dict[str, list[tuple]] = field(default_factory=dict)
    obs: dict[str, dict] = field(default_factory=dict)
    agent: dict[str, Any] = field(default_factory=dict)  # the sender's status row, set by plan_batch


def _check(report: Report, site_id: str, device_sites: dict[str, str]) -> str | None:
    """Why a report must be rejected, or None."""
    if report.site_id != site_id:
        return f"report for site {report.site_id!r} sent with the token of site {site_id!r}"
    if report.kind == ReportKind.DEVICE:
        if report.device is None:
            return "a device report needs 'device'"
        owner = device_sites.get(report.device.device_id)
        if owner is None:
            return f"unknown device {report.device.device_id!r}"
        if owner != site_id:
            return f"device {report.device.device_id!r} belongs to site {owner!r}, not {site_id!r}"
    return None


def plan_batch(batch: IngestBatch, site_id: str, device_sites: dict[str, str], now: float) -> Planned:
    """Validate each report against the sender's site and turn the batch into rows (times corrected for skew)."""
    if batch.site_id != site_id:
        raise IngestForbidden(f"batch for site {batch.site_id!r} sent with the token of site {site_id!r}")
    skew = now - batch.agent_clock.timestamp()
    plan = Planned()
    seen: set[str] = set()
    for report in batch.reports:
        rid = report.report_id
        if rid in seen:
            plan.results.append(ReportResult(report_id=rid, status=ResultStatus.DUPLICATE, reason="repeated in batch"))
            continue
        seen.add(rid)
        reason = _check(report, site_id, device_sites)
        if reason:
            plan.results.append(ReportResult(report_id=rid, status=ResultStatus.REJECTED, reason=reason))
            continue
        plan.results.append(ReportResult(report_id=rid, status=ResultStatus.ACCEPTED))
        dev = report.device
        plan.reports.append(
            {
                "report_id": rid,
                "site_id": site_id,
                "kind": report.kind.value,
                "device_id": dev.device_id if dev else None,
                "status": dev.status.value if dev else None,
                "seq": report.seq,
                "made_ts": report.made_at.timestamp() + skew,
                "received_ts": now,
            }
        )
        if dev is not None:
            collected = _ts(dev.collected_at, skew)
            dev_id = dev.device_id
            plan.readings[rid] = [
                (
                    dev_id,
                    r.metric,
                    labels_key(r.labels),
                    site_id,
                    r.value,
                    r.text,
                    _ts(r.at, skew) if r.at is not None else collected,
                )
                for r in dev.readings
            ]
            plan.obs[rid] = {
                "device_id": dev.device_id,
                "site_id": site_id,
                "status": dev.status.value,
                "error": dev.error,
                "ts": collected,
                "received_ts": now,
            }
        if report.agent is not None:
            a = report.agent
            plan.agent = {
                "version": a.version[:40] or None,
                "outbox_depth": a.outbox_depth,
                "dropped_total": a.dropped_total,
                "host_booted_ts": a.host_booted_at.timestamp() + skew if a.host_booted_at else None,
            }
    plan.agent = {
        "site_id": site_id,
        "last_heard_ts": now,
        "clock_skew_seconds": skew,
        **plan.agent,
    }
    return plan


def _ts(at: datetime, skew: float) -> float:
    if at.tzinfo is None:  # the wire allows naive times: they are the agent's UTC
        from datetime import UTC

        at = at.replace(tzinfo=UTC)
    return at.timestamp() + skew


def store_plan(conn: Connection, plan: Planned, series: SeriesIds) -> tuple[set[str], dict[Key, int]]:
    """Insert the planned rows; returns the report ids that were new (the others were duplicates) and the series
    ids used, for ``series.learn`` once the transaction has committed."""
    new = sql.insert_reports(conn, plan.reports) if plan.reports else set()
    newest: dict[Key, tuple] = {}  # per series, its newest reading in the batch
    points: list[tuple[Key, float, float]] = []
    for rid in new:
        for row in plan.readings.get(rid, ()):
            key = row[:3]
            old = newest.get(key)
            if old is None or row[6] >= old[6]:
                newest[key] = row
            points.append((key, row[6], row[4]))
    ids: dict[Key, int] = {}
    if newest:
        ids, created = resolve_series(conn, series, newest)
        sql.insert_points(conn, [(ids[k], ts, v) for k, ts, v in points])
        latest = [(i, r[3], r[4], r[5], r[6]) for k, r in newest.items() if (i := ids[k]) not in created]
        if latest:
            sql.update_latest(conn, latest)
    obs = [plan.obs[rid] for rid in new if rid in plan.obs]
    if obs:
        sql.upsert_observations(conn, obs)
    if plan.agent:
        _store_agent(conn, plan.agent)
    return new, ids


def _store_agent(conn: Connection, agent: dict[str, Any]) -> None:
    conn.execute(
        _agent_upsert(conn.dialect.name, "outbox_depth" in agent, agent.get("host_booted_ts") is not None),
        [{"outbox_depth": 0, "dropped_total": 0, **agent}],
    )


@functools.cache
def _agent_upsert(dialect_name: str, health: bool, booted: bool) -> postgresql.Insert | sqlite.Insert:
    """The agent-status upsert of each shape, built once (building it cost more than running it)."""
    ins = (postgresql if dialect_name == "postgresql" else sqlite).insert(AGENTS)
    ex = ins.excluded
    update: dict[str, ColumnElement[Any]] = {
        "last_heard_ts": ex.last_heard_ts,
        "clock_skew_seconds": ex.clock_skew_seconds,
    }
    if health:
        update |= {"version": ex.version, "outbox_depth": ex.outbox_depth, "dropped_total": ex.dropped_total}
        if booted:
            # Remember the previous boot time when it changes: "host rebooted" is read from the pair.
            changed = AGENTS.c.host_booted_ts.is_not(None) & (AGENTS.c.host_booted_ts < ex.host_booted_ts - 5)
            update["prev_host_booted_ts"] = case((changed, AGENTS.c.host_booted_ts), else_=AGENTS.c.prev_host_booted_ts)
            update["host_booted_ts"] = ex.host_booted_ts
    return ins.on_conflict_do_update(index_elements=["site_id"], set_=update)


def ingest(
    conn_factory: Callable[[], AbstractContextManager[Connection]],  # engine.begin: committed before we answer
    batch: IngestBatch,
    *,
    series: SeriesIds,
    site_id: str,
    device_sites: dict[str, str],
    now: datetime,
    rejected: list[ReportResult] | None = None,
) -> IngestResponse:
    """Store a batch durably (committed before returning) and answer per report (``rejected``: the reports the
    wire schema already refused, answered beside the rest; ``series``: this process's series ids).
    On SQLite the engine queues this process's writers on one lock (noc_api.db.engine), not in the driver's
    sleeping busy handler."""
    plan = plan_batch(batch, site_id, device_sites, now.timestamp())
    for attempt in range(1, 4):
        try:
            with conn_factory() as conn:
                new, ids = store_plan(conn, plan, series)
            break
        except OperationalError as exc:
            # Two batches touching the same rows: PostgreSQL aborts one; it rolled back, so run it again.
            if attempt == 3 or getattr(exc.orig, "sqlstate", None) not in RETRYABLE:
                raise
    series.learn(ids)  # committed now
    results = [
        ReportResult(report_id=r.report_id, status=ResultStatus.DUPLICATE, reason="already received")
        if r.status == ResultStatus.ACCEPTED and r.report_id not in new
        else r
        for r in plan.results
    ] + list(rejected or ())
    return IngestResponse(
        results=results, server_time=now, clock_skew_seconds=round(plan.agent["clock_skew_seconds"], 3)
    )
