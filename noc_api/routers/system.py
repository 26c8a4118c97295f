"""/healthz: is the database reachable and its schema current?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from noc_api.alerting.status import rules_status
from noc_api.db.migrate import pending
from noc_api.deps import RuntimeDep

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database answers and no migration is pending, else 503 with the reason."""
    checks: dict[str, str] = {}
    ok = True
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        missing = pending(runtime.engine)
        checks["migrations"] = "current" if not missing else f"pending: {', '.join(sorted(missing))}"
        ok = not missing
    except Exception as exc:  # any driver error means unhealthy; report it, do not raise
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
        ok = False
    body = {
        "status": "ok" if ok else "unhealthy",
        "checks": checks,
        "inventory": {
            "sites": len(runtime.inventory.sites),
            "devices": len(runtime.inventory.devices()),
            "channels": len(runtime.inventory.channels),
        },
        # A bad rule file never stops the good ones: its problems are shown here, not fatal.
        "rules": rules_status(runtime.settings.alert_rules),
    }
    return JSONResponse(body, status_code=200 if ok else 503)
