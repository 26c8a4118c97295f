"""The HealthListener the NOC health sweep calls after each evaluation: rules -> alerts, in its transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from noc_api.alerting import store
from noc_api.alerting.evaluate import Memory, evaluate
from noc_api.alerting.lifecycle import advance
from noc_api.alerting.loader import RuleSet, load_rules_dir
from noc_api.alerting.mute import DependencyMuter, MaintenanceMuter, Muter, SilenceMuter, mute_and_group
from noc_api.health.model import HealthSnapshot, OutageEvent


class AlertingListener:
    """Evaluates the alert rules on every health snapshot and keeps the alerts table current.

    Stages, in order: evaluate rules -> lifecycle (for, hold) -> mute (dependency, maintenance, silence) ->
    group (per outage, else per site; a child behind a failed parent is folded into the parent's group).
    Notifications are sent by `run_notification_cycle`, so a short group_wait lets parents absorb children.
    """

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.by_name = rules.by_name()
        self.memory: Memory = {}  # previous samples for rate rules; a restart costs one evaluation of rate history

    @classmethod
    def from_dir(cls, directory: Path) -> AlertingListener:
        """Load the rules of ``directory``; bad files are kept as problems, good rules still run."""
        return cls(load_rules_dir(directory))

    def on_health(self, session: Session, snapshot: HealthSnapshot, events: list[OutageEvent], now: datetime) -> None:
        """Evaluate every rule against ``snapshot`` and persist the alerts' new states and history."""
        rows = store.load_active(session)
        prev = {fp: store.to_state(r) for fp, r in rows.items()}
        hits, ctx = evaluate(self.rules.rules, snapshot, self.memory, set(prev), now)
        active, ended, transitions = advance(prev, hits, self.by_name, ctx, now)
        muters: list[Muter] = [
            DependencyMuter(ctx),
            MaintenanceMuter(ctx),
            SilenceMuter(store.load_silences(session, now), now),
        ]
        transitions += mute_and_group(active, ctx, muters)
        store.save(session, rows, [*active.values(), *ended], transitions, now)
