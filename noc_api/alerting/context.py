"""What one evaluation works with: the snapshot's indexes (Context), hits, and their fingerprints."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from noc_api.health.model import HealthSnapshot, Sample, State


@dataclass(frozen=True)
class Hit:
    """One rule holding for one subject at this evaluation."""

    fingerprint: str
    rule: str
    severity: str
    labels: dict[str, str]
    subject: str
    site_id: str | None
    town_id: str | None
    device_id: str | None
    value: float | None
    values: dict[str, Any] = field(default_factory=dict)  # what templates may use


def fingerprint(rule: str, identity: dict[str, str]) -> str:
    """Stable id of an alert: the rule plus the labels that identify its subject."""
    text = rule + "\0" + "\0".join(f"{k}={v}" for k, v in sorted(identity.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class Context:
    """Indexes over one snapshot, built once per evaluation."""

    def __init__(self, snapshot: HealthSnapshot) -> None:
        self.snapshot = snapshot
        self.by_metric: dict[str, list[Sample]] = defaultdict(list)
        for s in snapshot.latest:
            self.by_metric[s.metric].append(s)
        self.behind: dict[str, list[str]] = defaultdict(list)  # root cause device -> devices behind it
        for d in snapshot.devices.values():
            if d.state == State.UNREACHABLE and d.root_cause:
                self.behind[d.root_cause].append(d.device_id)
        self.outage_of: dict[str, int] = {}  # device/site/channel id -> open outage
        for o in sorted(snapshot.outages, key=lambda o: o.id):
            for ident in (o.root_cause_device, o.subject_id):
                if ident:
                    self.outage_of.setdefault(ident, o.id)
        for o in sorted(snapshot.outages, key=lambda o: o.id):
            for ident in (*o.affected, *o.channels, o.site_id if o.scope == "site" else None):
                if ident:
                    self.outage_of.setdefault(ident, o.id)

    def took_down(self, device_id: str | None, extra: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
        """(what sits behind a failed device, the towns of those) for a parent's alert to list."""
        ids = sorted({*(self.behind.get(device_id, []) if device_id else []), *extra} - {device_id})
        towns = set()
        for ident in ids:
            d = self.snapshot.devices.get(ident)
            s = self.snapshot.sites.get(ident)
            town = d.town_id if d else s.town_id if s else None
            if town:
                towns.add(town)
        own = self.snapshot.devices.get(device_id) if device_id else None
        return ids, sorted(towns - ({own.town_id} if own and len(towns) > 1 else set()))
