"""The HealthListener the NOC health sweep calls after each evaluation: rules -> alerts, in its transaction.

The pipeline is a list of stages, each taking and returning the evaluation's working values (a `Pass`):
load -> evaluate rules -> lifecycle (for, hold) -> mute (dependency, maintenance, silence) and group -> persist.
Notices are planned by the `alert_notices` job (`cycle.queue_notices`), so a short group_wait lets a parent's
alert absorb its children's before anything leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from noc_api.alerting import store
from noc_api.alerting.context import Context, Hit
from noc_api.alerting.evaluate import Memory, evaluate
from noc_api.alerting.lifecycle import AlertState, Transition, advance
from noc_api.alerting.loader import LoadedRule, RuleSet, load_rules_dir
from noc_api.alerting.models import Alert
from noc_api.alerting.mute import DependencyMuter, MaintenanceMuter, Muter, SilenceMuter, mute_and_group
from noc_api.health.model import HealthSnapshot, OutageEvent


@dataclass
class Pass:
    """One evaluation's working values, handed from stage to stage."""

    session: Session
    snapshot: HealthSnapshot
    now: datetime
    rules: list[LoadedRule]
    by_name: dict[str, LoadedRule]
    memory: Memory
    rows: dict[str, Alert] = field(default_factory=dict)
    prev: dict[str, AlertState] = field(default_factory=dict)
    hits: dict[str, Hit] = field(default_factory=dict)
    ctx: Context | None = None
    active: dict[str, AlertState] = field(default_factory=dict)
    ended: list[AlertState] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)

    def context(self) -> Context:
        """The evaluation context, which evaluate_stage sets before any later stage runs."""
        if self.ctx is None:
            raise RuntimeError("evaluate_stage must run before this stage")
        return self.ctx


def load_stage(p: Pass) -> Pass:
    """Read the alerts still pending or firing."""
    p.rows = store.load_active(p.session)
    p.prev = {fp: store.to_state(r) for fp, r in p.rows.items()}
    return p


def evaluate_stage(p: Pass) -> Pass:
    """Every rule against the snapshot."""
    p.hits, p.ctx = evaluate(p.rules, p.snapshot, p.memory, set(p.prev), p.now)
    return p


def lifecycle_stage(p: Pass) -> Pass:
    """pending -> firing -> resolved, with `for` and the flap hold."""
    p.active, p.ended, found = advance(p.prev, p.hits, p.by_name, p.context(), p.now)
    p.transitions += found
    return p


def mute_stage(p: Pass) -> Pass:
    """Dependency, maintenance and silence muters (one protocol), then grouping and folding."""
    muters: list[Muter] = [
        DependencyMuter(p.context()),
        MaintenanceMuter(p.context()),
        SilenceMuter(store.load_silences(p.session, p.now), p.now),
    ]
    p.transitions += mute_and_group(p.active, p.context(), muters)
    return p


def persist_stage(p: Pass) -> Pass:
    """Write the alerts and append their history."""
    store.save(p.session, p.rows, [*p.active.values(), *p.ended], p.transitions, p.now)
    return p


STAGES: tuple[Callable[[Pass], Pass], ...] = (load_stage, evaluate_stage, lifecycle_stage, mute_stage, persist_stage)


class AlertingListener:
    """Evaluates the alert rules on every health snapshot and keeps the alerts table current."""

    name = "alerting"  # counted under this name when it fails (ccis_health_listener_failures_total)

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.by_name = rules.by_name()
        self.memory: Memory = {}  # previous samples for rate rules; a restart costs one evaluation of rate history
        # The readings the rules select: the sweep puts their latest values in the snapshot.
        self.metrics = frozenset(r.rule.select.metric for r in rules.rules if r.rule.select.metric)

    @classmethod
    def from_dir(cls, directory: Path) -> AlertingListener:
        """Load the rules of ``directory``; bad files are kept as problems, good rules still run."""
        return cls(load_rules_dir(directory))

    def on_health(self, session: Session, snapshot: HealthSnapshot, events: list[OutageEvent], now: datetime) -> None:
        """Run the stages on ``snapshot`` (open outages are in it, so ``events`` need no separate handling)."""
        p = Pass(session, snapshot, now, self.rules.rules, self.by_name, self.memory)
        for stage in STAGES:
            p = stage(p)
