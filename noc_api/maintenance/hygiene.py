"""Workstation hygiene, peripherals and recording stores as people read them, from what the agents reported.

A host whose agent never sent a hygiene reading is "not reported", a source the agent could not read is "not
available" with its reason: neither ever counts as compliant. Compliance follows the alert rules: no security
update pending longer than 3 days nor any update waiting while the host went 30 days unpatched, antivirus
signatures at most 3 days old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.inventory import Inventory

SECURITY_GRACE_SECONDS = 3 * 86400  # as alert_rules/hygiene.yaml security_updates_pending
SIGNATURES_MAX_AGE_SECONDS = 3 * 86400  # as antivirus_signatures_stale
PATCH_LAG_MAX_SECONDS = 30 * 86400  # as patches_stale
HOST_METRICS = (
    "check_available",
    "host_pending_updates",
    "host_pending_security_updates",
    "host_package_lists_age_seconds",
    "host_updates_applied_age_seconds",
    "host_patch_lag_seconds",
    "host_antivirus_age_seconds",
    "host_disk_smart_ok",
    "host_disk_temperature_celsius",
    "host_disk_reallocated_sectors",
    "recording_store_available",
    "recording_files",
    "recording_newest_age_seconds",
    "recording_store_lag_seconds",
)
PERIPHERALS = ("printer", "ip_phone")


@dataclass(frozen=True)
class Latest:
    value: float
    text: str | None
    ts: float


def _labels(text: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in text.split(",") if "=" in p) if text else {}


def _latest(session: Session, devices: list[str]) -> dict[str, dict[tuple[str, str], Latest]]:
    lt = nm.Series
    out: dict[str, dict[tuple[str, str], Latest]] = {}
    if not devices:
        return out
    rows = session.execute(
        select(lt.device_id, lt.metric, lt.labels, lt.value, lt.text, lt.ts).where(
            lt.device_id.in_(devices), lt.metric.in_(HOST_METRICS)
        )
    )
    for r in rows:
        out.setdefault(r.device_id, {})[(r.metric, r.labels)] = Latest(r.value, r.text, r.ts)
    return out


def pending_since(session: Session, device: str, metric: str = "host_pending_security_updates") -> float | None:
    """When the current run of a count above zero began (epoch), from the raw history; None when it is zero."""
    raw = nm.Point
    sid = _series(device, metric)
    last_zero = session.scalar(select(func.max(raw.ts)).where(raw.series_id == sid, raw.value <= 0))
    q = select(func.min(raw.ts)).where(raw.series_id == sid, raw.value > 0)
    if last_zero is not None:
        q = q.where(raw.ts > last_zero)
    return session.scalar(q)


def _series(device: str, metric: str, labels: str = "") -> ScalarSelect[int]:
    s = nm.Series
    return select(s.id).where(s.device_id == device, s.metric == metric, s.labels == labels).scalar_subquery()


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


def host_hygiene(session: Session, device: str, got: dict[tuple[str, str], Latest], now: datetime) -> dict:
    """One host's hygiene: each check with its values, or why it is not available."""

    def value(metric: str, labels: str = "") -> float | None:
        x = got.get((metric, labels))
        return x.value if x else None

    def check(name: str) -> dict:
        x = got.get(("check_available", f"check={name}"))
        if x is None:
            return {"available": None, "reason": "not reported yet"}
        return {"available": x.value >= 1, "reason": None if x.value >= 1 else x.text or "not available"}

    heard = max((x.ts for x in got.values()), default=None)
    updates = check("os_updates")
    if updates["available"]:
        security = value("host_pending_security_updates")
        since = pending_since(session, device) if security else None
        updates |= {
            "pending": value("host_pending_updates"),
            "security": security,
            "security_names": (got.get(("host_pending_security_updates", "")) or Latest(0, None, 0)).text,
            "security_pending_since": _iso(since),
            "security_pending_seconds": (now.timestamp() - since) if since else 0.0,
            "lists_age_seconds": value("host_package_lists_age_seconds"),
            "applied_age_seconds": value("host_updates_applied_age_seconds"),
        }
    antivirus = check("antivirus")
    if antivirus["available"]:
        sig = got.get(("host_antivirus_age_seconds", ""))
        antivirus |= {"age_seconds": sig.value if sig else None, "version": sig.text if sig else None}
    disks = check("disk_health")
    if disks["available"]:
        disks["disks"] = [
            {"disk": _labels(lab)["disk"], "passed": x.value >= 1}
            for (metric, lab), x in sorted(got.items())
            if metric == "host_disk_smart_ok" and "disk" in _labels(lab)
        ]
    patched = (
        bool(updates["available"])
        and updates.get("security_pending_seconds", 0.0) <= SECURITY_GRACE_SECONDS
        and (value("host_patch_lag_seconds") or 0.0) <= PATCH_LAG_MAX_SECONDS
    )
    current = bool(antivirus["available"]) and (antivirus.get("age_seconds") or 0) <= SIGNATURES_MAX_AGE_SECONDS
    return {
        "device_id": device,
        "reported_at": _iso(heard),
        "os_updates": updates,
        "antivirus": antivirus,
        "disk_health": disks,
        "compliant": {"patches": patched, "signatures": current},
    }


def store_readings(device: str, names: list[str], got: dict[tuple[str, str], Latest]) -> list[dict]:
    """The recording stores a host should report, with what it reported of each."""
    out: list[dict[str, object]] = []
    for name in names:
        lab = f"store={name}"
        avail = got.get(("recording_store_available", lab))
        if avail is None:
            out.append({"device_id": device, "store": name, "available": None, "reason": "not reported yet"})
            continue

        def v(metric: str, lab: str = lab) -> float | None:
            x = got.get((metric, lab))
            return x.value if x else None

        out.append(
            {
                "device_id": device,
                "store": name,
                "available": avail.value >= 1,
                "reason": None if avail.value >= 1 else avail.text,
                "path": avail.text if avail.value >= 1 else None,
                "files": v("recording_files"),
                "newest_age_seconds": v("recording_newest_age_seconds"),
                "lag_seconds": v("recording_store_lag_seconds"),
            }
        )
    return out


def hygiene_overview(session: Session, inv: Inventory, now: datetime, site: str | None = None) -> list[dict]:
    """Per site: its hosts' hygiene, its printers' and phones' reachability, its recording stores."""
    sites = [s for s in inv.sites if site is None or s.id == site]
    hosts = [d.id for s in sites for d in s.devices if d.collect.hygiene or d.collect.stores]
    latest = _latest(session, hosts)
    obs = {
        r.device_id: r
        for r in session.execute(
            select(nm.DeviceObservation.device_id, nm.DeviceObservation.status, nm.DeviceObservation.error,
                   nm.DeviceObservation.ts)
        )
    }  # fmt: skip
    out = []
    for s in sites:
        own = [d for d in s.devices if d.collect.hygiene]
        peripherals = []
        for d in s.devices:
            if d.kind not in PERIPHERALS:
                continue
            o = obs.get(d.id)
            peripherals.append(
                {
                    "device_id": d.id,
                    "kind": d.kind.value,
                    "reachable": None if o is None or o.status == "unknown" else o.status in ("up", "degraded"),
                    "status": o.status if o else "not reported",
                    "error": o.error if o else None,
                    "at": _iso(o.ts) if o else None,
                }
            )
        stores = [
            r
            for d in s.devices
            if d.collect.stores
            for r in store_readings(d.id, [x.name for x in d.collect.stores], latest.get(d.id, {}))
        ]
        out.append(
            {
                "site_id": s.id,
                "site": s.name,
                "town_id": s.town,
                "hosts": [host_hygiene(session, d.id, latest.get(d.id, {}), now) for d in own],
                "peripherals": peripherals,
                "recordings": stores,
            }
        )
    return out
