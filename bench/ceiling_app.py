"""The ingest ceiling: a bare Starlette app, same driver, same inserts as CCIS's ingest, nothing else.

No authentication, no schema validation, no site checks, no metrics: json.loads and the same SQLAlchemy Core
statements (noc_api.services.ingest.store_plan), committed before answering. Run: python bench/ceiling_app.py URL PORT
"""

from __future__ import annotations

import json
import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from noc_api.db.engine import make_engine
from noc_api.services.ingest import SQLITE_WRITE_LOCK, Planned, labels_key, store_plan


def _ts(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def plan(body: dict) -> Planned:
    """The same rows CCIS would write, built straight from the JSON."""
    p = Planned()
    now = time.time()
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
                "made_ts": _ts(r["made_at"]),
                "received_ts": now,
            }
        )
        if dev:
            ts = _ts(dev["collected_at"])
            rows = [
                (x["metric"], labels_key(x.get("labels") or {}), x["value"], x.get("text")) for x in dev["readings"]
            ]
            d = dev["device_id"]
            p.raw[rid] = [(d, m, k, v, ts) for m, k, v, _ in rows]
            p.latest[rid] = [(d, m, k, site, v, t, ts) for m, k, v, t in rows]
            p.obs[rid] = {
                "device_id": dev["device_id"],
                "site_id": site,
                "status": dev["status"],
                "error": None,
                "ts": ts,
                "received_ts": now,
            }
    p.agent = {"site_id": site, "last_heard_ts": now, "clock_skew_seconds": 0.0}
    return p


def make_app(url: str) -> Starlette:
    engine = make_engine(url)
    sqlite = url.startswith("sqlite")

    def store(p: Planned) -> int:
        if sqlite:
            with SQLITE_WRITE_LOCK, engine.begin() as conn:
                return len(store_plan(conn, p))
        with engine.begin() as conn:
            return len(store_plan(conn, p))

    async def ingest(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        new = await run_in_threadpool(store, plan(body))
        return JSONResponse({"accepted": new})

    return Starlette(routes=[Route("/api/v1/ingest", ingest, methods=["POST"])])


if __name__ == "__main__":
    uvicorn.run(make_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
