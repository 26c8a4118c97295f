"""/healthz: is the database reachable, its schema current, and is the background work succeeding?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from noc_api.db.migrate import pending
from noc_api.deps import RuntimeDep
from noc_api.system import faults
from noc_api.system.schemas import HealthOut

router = APIRouter(tags=["system"])
FAILING_AFTER = 3  # a job or health listener failing this many runs in a row makes the server unhealthy


@router.get(
    "/healthz",
    response_class=JSONResponse,
    responses={200: {"model": HealthOut}, 503: {"model": HealthOut, "description": "Unhealthy: the reason in checks"}},
)
def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database answers, no migration is pending and no background job or health listener keeps
    failing; else 503 with the reason (the failing job named)."""
    checks: dict[str, str] = {}
    ok = True
    failing: dict = {}
    try:
        with runtime.engine.connect() as conn:  # one connection for every check
            conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            missing = pending(runtime.engine, runtime.migration_heads, conn)
            checks["migrations"] = "current" if not missing else f"pending: {', '.join(sorted(missing))}"
            ok = not missing
            try:  # the leader's record: any worker may be answering
                failing = faults.failing(conn, FAILING_AFTER)
            except Exception:  # e.g. its table not there yet: the migrations check says why
                failing = {}
    except Exception as exc:  # any driver error means unhealthy; report it, do not raise
        checks.setdefault("database", f"unreachable: {exc.__class__.__name__}")
        ok = False
    if failing:
        checks["jobs"] = "; ".join(
            f"{name} failed {runs} {'sweeps' if name.startswith('health listener') else 'runs'} in a row: {error}"
            for name, (runs, error) in sorted(failing.items())
        )
        ok = False
    body = {
        "status": "ok" if ok else "unhealthy",
        "checks": checks,
        "inventory": {
            "sites": len(runtime.inventory.sites),
            "devices": len(runtime.device_sites),
            "channels": len(runtime.inventory.channels),
        },
        # A bad rule file never stops the good ones: its problems are shown here, not fatal.
        "rules": runtime.rules_status.current(),
    }
    return JSONResponse(HealthOut.model_validate(body).model_dump(), status_code=200 if ok else 503)
