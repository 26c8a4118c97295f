"""What a running server holds: settings, engine, session factory and the loaded inventory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.health.model import HealthListener
from noc_api.inventory import Inventory, load_inventory
from noc_api.inventory.sync import SyncResult, sync_inventory
from noc_api.metrics_registry import NocMetrics
from noc_api.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    inventory: Inventory
    last_sync: SyncResult
    # Called after each health evaluation, inside its transaction (alerts, outage tickets).
    listeners: list[HealthListener] = field(default_factory=list)
    metrics: NocMetrics = field(default_factory=NocMetrics)
    device_sites: dict[str, str] = field(default_factory=dict)  # device id -> site id
    scheduler: Any = None  # noc_api.scheduler.JobScheduler: register jobs before the app starts
    health: Any = None  # noc_api.health.sweep.HealthSweeper
    topology: Any = None  # noc_api.health.topology.Topology
    alerting: Any = None  # noc_api.alerting.listener.AlertingListener
    state_cache: Any = None  # noc_api.services.health_queries.StateCache

    def __post_init__(self) -> None:
        from noc_api.jobs import install_noc
        from noc_api.wiring import install_services

        if not self.device_sites:
            self.device_sites = {d.id: s.id for s, d in self.inventory.devices()}
        install_noc(self)
        install_services(self)


def start_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """Validate the inventory, migrate the database and sync the inventory into it.

    Raises InventoryError before touching the database when the inventory is broken.
    """
    inventory = load_inventory(settings.inventory)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        result = sync_inventory(session, inventory)
    return Runtime(settings, engine, sessions, inventory, result)
