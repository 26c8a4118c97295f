"""The ISO 9001 audit's evidence in the MIS: maintenance done on time per town, and patch and signature compliance
per site, for a report period in the city's time.

- Maintenance: the tickets due in the period (their period ended in it), done on time (every item ticked by the
  due date), done late, not done.
- Hygiene, as it stood at the period's end (or now, for the current period), read from the readings' history
  (raw, then hourly rollups, kept for good): a host is patched when no security update had waited more than 3
  days and it had not gone 30 days unpatched while updates waited, its signatures current when at most 3 days
  old. A host that never reported, or whose source was "not available", is counted as such, never as compliant.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.db.maintenance_models import MaintenanceTicket
from noc_api.inventory import Inventory
from noc_api.maintenance.hygiene import PATCH_LAG_MAX_SECONDS, SECURITY_GRACE_SECONDS, SIGNATURES_MAX_AGE_SECONDS
from noc_api.reports.periods import period_bounds


def _series(device: str, metric: str, labels: str) -> ScalarSelect[int]:
    s = nm.Series
    return select(s.id).where(s.device_id == device, s.metric == metric, s.labels == labels).scalar_subquery()


def _value_at(session: Session, device: str, metric: str, labels: str, t: float) -> float | None:
    """The device's value of ``metric`` at ``t``: the newest raw point by then, else its hourly rollup."""
    raw = nm.Point
    sid = _series(device, metric, labels)
    v = session.scalar(select(raw.value).where(raw.series_id == sid, raw.ts <= t).order_by(raw.ts.desc()).limit(1))
    if v is not None:
        return v
    r = nm.Rollup
    return session.scalar(
        select(r.vmax)
        .where(r.period == 3600, r.series_id == _series(device, metric, labels), r.bucket <= t)
        .order_by(r.bucket.desc())
        .limit(1)
    )


def _waiting_since(session: Session, device: str, t: float) -> float | None:
    """When the run of pending security updates that was going on at ``t`` began (raw history)."""
    raw = nm.Point
    base = (raw.series_id == _series(device, "host_pending_security_updates", ""), raw.ts <= t)
    last_zero = session.scalar(select(raw.ts).where(*base, raw.value <= 0).order_by(raw.ts.desc()).limit(1))
    q = select(raw.ts).where(*base, raw.value > 0).order_by(raw.ts).limit(1)
    if last_zero is not None:
        q = q.where(raw.ts > last_zero)
    return session.scalar(q)


def host_compliance(session: Session, device: str, t: float) -> dict:
    """Whether a host was patched and its signatures current at ``t``; None when it had not reported."""
    updates = _value_at(session, device, "check_available", "check=os_updates", t)
    av = _value_at(session, device, "check_available", "check=antivirus", t)
    out: dict = {"device_id": device, "patched": None, "signatures_current": None, "not_available": []}
    if updates is not None:
        if updates < 1:
            out["patched"], out["not_available"] = False, [*out["not_available"], "os_updates"]
        else:
            security = _value_at(session, device, "host_pending_security_updates", "", t) or 0.0
            since = _waiting_since(session, device, t) if security > 0 else None
            lag = _value_at(session, device, "host_patch_lag_seconds", "", t) or 0.0
            waited = security <= 0 or (since is not None and t - since <= SECURITY_GRACE_SECONDS)
            out["patched"] = waited and lag <= PATCH_LAG_MAX_SECONDS
    if av is not None:
        if av < 1:
            out["signatures_current"], out["not_available"] = False, [*out["not_available"], "antivirus"]
        else:
            age = _value_at(session, device, "host_antivirus_age_seconds", "", t)
            out["signatures_current"] = age is not None and age <= SIGNATURES_MAX_AGE_SECONDS
    return out


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def maintenance_report(session: Session, inv: Inventory, *, kind: str, day: date, now: datetime) -> dict:
    """Maintenance on time per town and hygiene compliance per site for the ``kind`` period containing ``day``."""
    tz = ZoneInfo(inv.city.timezone)
    start, end, label = period_bounds(kind, day, tz)
    mt = MaintenanceTicket
    due = list(session.scalars(select(mt).where(mt.due_at > start, mt.due_at <= end)))
    towns: dict[str, dict] = {t.id: {"town_id": t.id, "town": t.name} for t in inv.towns}
    for row in towns.values():
        row.update(due=0, on_time=0, late=0, not_done=0)
    for t in due:
        row = towns.setdefault(t.town_id or "", {"town_id": t.town_id, "town": t.town_id, "due": 0, "on_time": 0,
                                                 "late": 0, "not_done": 0})  # fmt: skip
        row["due"] += 1
        if t.completed_at is None:
            row["not_done"] += 1
        elif t.completed_at <= t.due_at:
            row["on_time"] += 1
        else:
            row["late"] += 1
    for row in towns.values():
        row["on_time_ratio"] = _ratio(row["on_time"], row["due"])
    at = min(end, now).timestamp()
    sites = []
    for s in inv.sites:
        hosts = [host_compliance(session, d.id, at) for d in s.devices if d.collect.hygiene]
        if not hosts:
            continue
        patched = sum(1 for h in hosts if h["patched"])
        current = sum(1 for h in hosts if h["signatures_current"])
        sites.append(
            {
                "site_id": s.id,
                "site": s.name,
                "town_id": s.town,
                "hosts": len(hosts),
                "patched": patched,
                "signatures_current": current,
                "not_reported": sum(1 for h in hosts if h["patched"] is None and h["signatures_current"] is None),
                "not_available": sum(1 for h in hosts if h["not_available"]),
                "patch_compliance": _ratio(patched, len(hosts)),
                "signature_compliance": _ratio(current, len(hosts)),
                "by_host": hosts,
            }
        )
    return {
        "period": {"kind": kind, "label": label, "start": start.isoformat(), "end": end.isoformat()},
        "as_of": datetime.fromtimestamp(at, tz).isoformat(),
        "maintenance_by_town": sorted(towns.values(), key=lambda r: (-(r["due"]), r["town"] or "")),
        "hygiene_by_site": sites,
    }


def maintenance_csv(data: dict) -> str:
    """The report as CSV: maintenance per town, then hygiene per site."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([f"CCIS maintenance and hygiene, {data['period']['label']}"])
    w.writerow(["town", "due", "on time", "late", "not done", "on-time ratio"])
    for r in data["maintenance_by_town"]:
        w.writerow([r["town"], r["due"], r["on_time"], r["late"], r["not_done"], r["on_time_ratio"]])
    w.writerow([])
    w.writerow(["site", "town", "hosts", "patched", "signatures current", "not reported", "not available",
                "patch compliance", "signature compliance"])  # fmt: skip
    for r in data["hygiene_by_site"]:
        w.writerow([r["site"], r["town_id"], r["hosts"], r["patched"], r["signatures_current"], r["not_reported"],
                    r["not_available"], r["patch_compliance"], r["signature_compliance"]])  # fmt: skip
    return out.getvalue()
