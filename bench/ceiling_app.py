"""The ingest ceilings: bare Starlette apps, nothing but storing, committed before answering.

``same`` (the default): no authentication, no schema validation, no site checks, no metrics: json.loads and the
same SQLAlchemy Core statements as CCIS (noc_api.ingest.service.store_plan), on CCIS's schema.

``bare``: the least an HTTP ingest can do on this machine: a minimal schema of its own (one report row, one row per
reading), the same driver used directly (sqlite3 or psycopg, no SQLAlchemy), one report per request.

    python bench/ceiling_app.py URL PORT [same|bare]
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from noc_api.db.engine import make_engine
from noc_api.ingest.series import SeriesIds
from noc_api.ingest.service import Planned, labels_key, store_plan


def _ts(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def plan(body: dict) -> Planned:
    """The same rows CCIS would write, built straight from the JSON."""
    p = Planned()
    now = time.time()
    skew = now - _ts(body["agent_clock"])  # corrected as CCIS corrects them: a resent body is new points
    site = body["site_id"]
    for r in body["reports"]:
        rid, dev = r["report_id"], r.get("device")
        p.reports.append(
            {
                "report_id": rid,
                "site_id": site,
                "kind": r["kind"],
                "device_id": dev["device_id"] if dev else None,
                "status": dev["status"] if dev else None,
                "seq": r["seq"],
                "made_ts": _ts(r["made_at"]) + skew,
                "received_ts": now,
            }
        )
        if dev:
            ts = _ts(dev["collected_at"]) + skew
            rows = [
                (x["metric"], labels_key(x.get("labels") or {}), x["value"], x.get("text")) for x in dev["readings"]
            ]
            d = dev["device_id"]
            p.readings[rid] = [(d, m, k, site, v, t, ts) for m, k, v, t in rows]
            p.obs[rid] = {
                "device_id": dev["device_id"],
                "site_id": site,
                "status": dev["status"],
                "error": None,
                "ts": ts,
                "received_ts": now,
            }
    p.agent = {"site_id": site, "last_heard_ts": now, "clock_skew_seconds": skew}
    return p


def make_app(url: str) -> Starlette:
    engine = make_engine(url)
    series = SeriesIds()  # as the server's runtime holds one

    def store(p: Planned) -> int:
        with engine.begin() as conn:  # on SQLite the engine queues writers on one lock, as the server's does
            new, ids = store_plan(conn, p, series)
        series.learn(ids)
        return len(new)

    async def ingest(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        new = await run_in_threadpool(store, plan(body))
        return JSONResponse({"accepted": new})

    return Starlette(routes=[Route("/api/v1/ingest", ingest, methods=["POST"])])


BARE_SQLITE = (
    "CREATE TABLE IF NOT EXISTS bare_reports (id INTEGER PRIMARY KEY, report_id TEXT UNIQUE, device TEXT, ts REAL)",
    "CREATE TABLE IF NOT EXISTS bare_readings (report INTEGER, metric TEXT, labels TEXT, value REAL, ts REAL)",
)
BARE_PG = (
    "CREATE TABLE IF NOT EXISTS bare_reports (id bigserial PRIMARY KEY, report_id text UNIQUE, device text, ts float8)",
    "CREATE TABLE IF NOT EXISTS bare_readings (report bigint, metric text, labels text, value float8, ts float8)",
)


def make_bare_app(url: str) -> Starlette:
    """One report per request into two plain tables, through the driver itself; a connection per thread."""
    sqlite = url.startswith("sqlite")
    local = threading.local()
    lock = threading.Lock()  # SQLite's one writer, queued in this process

    def connect():
        if sqlite:
            import sqlite3

            conn = sqlite3.connect(url.split("///", 1)[1], check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return psycopg.connect(plain)

    setup = connect()
    for ddl in BARE_SQLITE if sqlite else BARE_PG:
        setup.execute(ddl)
    setup.commit()
    setup.close()
    mark = "?" if sqlite else "%s"

    def store(report: dict) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect()
        dev = report["device"]
        ts = _ts(dev["collected_at"])
        with lock if sqlite else contextlib.nullcontext():
            cur = conn.cursor()
            cur.execute(
                f"INSERT INTO bare_reports (report_id, device, ts) VALUES ({mark}, {mark}, {mark}) RETURNING id",
                (report["report_id"], dev["device_id"], ts),
            )
            rid = cur.fetchone()[0]
            rows = [(rid, x["metric"], json.dumps(x.get("labels") or {}), x["value"], ts) for x in dev["readings"]]
            cur.executemany(
                f"INSERT INTO bare_readings (report, metric, labels, value, ts) VALUES ({', '.join([mark] * 5)})", rows
            )
            conn.commit()

    async def ingest(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        for report in body["reports"]:
            await run_in_threadpool(store, report)
        return JSONResponse({"accepted": len(body["reports"])})

    return Starlette(routes=[Route("/api/v1/ingest", ingest, methods=["POST"])])


if __name__ == "__main__":
    mode = sys.argv[3] if len(sys.argv) > 3 else "same"
    app = make_bare_app(sys.argv[1]) if mode == "bare" else make_app(sys.argv[1])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
