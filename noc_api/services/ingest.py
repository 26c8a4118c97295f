"""Ingest: check a batch against the sender's site, store it idempotently in a few multi-row statements.

The hot path uses SQLAlchemy Core (one statement per table per batch, executemany), not the ORM.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Insert, Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from agents.wire import IngestBatch, IngestResponse, Report, ReportKind, ReportResult, ResultStatus
from noc_api.db import noc_models as nm
from noc_api.services import ingest_sql as sql

AGENTS: Table = nm.AgentStatus.__table__

# SQLite has one writer: queueing writers on a lock beats its sleeping busy handler.
SQLITE_WRITE_LOCK = threading.Lock()
RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure


class IngestForbidden(Exception):
    """The batch claims a site the token does not belong to."""


def labels_key(labels: dict[str, str]) -> str:
    """Canonical text of a label set: sorted k=v pairs joined by commas ('' when none)."""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) if labels else ""


@dataclass
class Planned:
    """The rows one batch turns into, and the answer for each report."""

    results: list[ReportResult] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    # By report id, as tuples in ingest_sql's column order (RAW_COLS, LATEST_COLS): the hot path builds no dicts.
    raw: dict[str, list[tuple]] = field(default_factory=dict)
    latest: dict[str, list[tuple]] = field(default_factory=dict)
    obs: dict[str, dict] = field(default_factory=dict)
    agent: dict | None = None


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
            raws, latest = [], []
            dev_id = dev.device_id
            for r in dev.readings:
                ts = _ts(r.at, skew) if r.at is not None else collected
                key = labels_key(r.labels)
                raws.append((dev_id, r.metric, key, r.value, ts))
                latest.append((dev_id, r.metric, key, site_id, r.value, r.text, ts))
            plan.raw[rid], plan.latest[rid] = raws, latest
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
        **(plan.agent or {}),
    }
    return plan


def _ts(at: datetime, skew: float) -> float:
    if at.tzinfo is None:  # the wire allows naive times: they are the agent's UTC
        from datetime import UTC

        at = at.replace(tzinfo=UTC)
    return at.timestamp() + skew


def _insert(conn: Connection, table: Table) -> Insert:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def store_plan(conn: Connection, plan: Planned) -> set[str]:
    """Insert the planned rows; returns the report ids that were new (the others were duplicates)."""
    new = sql.insert_reports(conn, plan.reports) if plan.reports else set()
    raws = [row for rid in new for row in plan.raw.get(rid, ())]
    if raws:
        sql.insert_raw(conn, raws)
    latest = [row for rid in new for row in plan.latest.get(rid, ())]
    if latest:
        sql.upsert_latest(conn, latest)
    obs = [plan.obs[rid] for rid in new if rid in plan.obs]
    if obs:
        sql.upsert_observations(conn, obs)
    if plan.agent is not None:
        _store_agent(conn, plan.agent)
    return new


def _store_agent(conn: Connection, agent: dict) -> None:
    ins = _insert(conn, AGENTS)
    ex = ins.excluded
    update = {"last_heard_ts": ex.last_heard_ts, "clock_skew_seconds": ex.clock_skew_seconds}
    if "outbox_depth" in agent:
        update |= {"version": ex.version, "outbox_depth": ex.outbox_depth, "dropped_total": ex.dropped_total}
        if agent.get("host_booted_ts") is not None:
            # Remember the previous boot time when it changes: "host rebooted" is read from the pair.
            changed = AGENTS.c.host_booted_ts.is_not(None) & (AGENTS.c.host_booted_ts < ex.host_booted_ts - 5)
            update["prev_host_booted_ts"] = case((changed, AGENTS.c.host_booted_ts), else_=AGENTS.c.prev_host_booted_ts)
            update["host_booted_ts"] = ex.host_booted_ts
    stmt = ins.on_conflict_do_update(index_elements=["site_id"], set_=update)
    conn.execute(stmt, [{"outbox_depth": 0, "dropped_total": 0, **agent}])


def ingest(
    conn_factory,  # noqa: ANN001  (engine.begin, so the batch is committed before we answer)
    batch: IngestBatch,
    *,
    site_id: str,
    device_sites: dict[str, str],
    now: datetime,
    serialize: bool,
) -> IngestResponse:
    """Store a batch durably (committed before returning) and answer per report."""
    plan = plan_batch(batch, site_id, device_sites, now.timestamp())
    for attempt in range(1, 4):
        try:
            if serialize:
                with SQLITE_WRITE_LOCK, conn_factory() as conn:
                    new = store_plan(conn, plan)
            else:
                with conn_factory() as conn:
                    new = store_plan(conn, plan)
            break
        except OperationalError as exc:
            # Two batches touching the same rows: PostgreSQL aborts one; it rolled back, so run it again.
            if attempt == 3 or getattr(exc.orig, "sqlstate", None) not in RETRYABLE:
                raise
    results = [
        ReportResult(report_id=r.report_id, status=ResultStatus.DUPLICATE, reason="already received")
        if r.status == ResultStatus.ACCEPTED and r.report_id not in new
        else r
        for r in plan.results
    ]
    return IngestResponse(
        results=results, server_time=now, clock_skew_seconds=round(plan.agent["clock_skew_seconds"], 3)
    )
