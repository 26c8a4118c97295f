"""The one composition root: ``build(settings)`` makes everything a running server holds.

Construction order: inventory (validated before the database is touched), engine and migrations, the inventory
synced into the database, then the objects built from them — topology, caches, health sweeper and its listeners
(alerts first, then tickets), the routing file, the outbox's delivery job with a notifier per medium, the
Prometheus collectors and the scheduler with every background job. Nothing
starts here: the app's lifespan starts the scheduler, so a runtime can be built for a command or a test and
simply dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from noc_api.accounts.login import LoginGuard
from noc_api.alerting import cycle as alert_notices
from noc_api.alerting.listener import AlertingListener
from noc_api.alerting.metrics import AlertCollector
from noc_api.alerting.routing_file import RoutingFile
from noc_api.alerting.status import RulesStatus
from noc_api.complaints.desk import ComplaintDesk
from noc_api.complaints.directory import run_sla_escalation
from noc_api.complaints.public_guard import PublicGuard
from noc_api.db.engine import make_engine, make_read_engine, make_session_factory
from noc_api.db.migrate import code_heads, upgrade
from noc_api.health.metrics import NocStateCollector
from noc_api.health.model import HealthListener
from noc_api.health.rollups import retention, rollup
from noc_api.health.state_view import StateCache
from noc_api.health.sweep import HealthSweeper
from noc_api.health.topology import Topology, topology_from_inventory
from noc_api.ingest.series import SeriesIds
from noc_api.intake.outbound import chat_notifiers
from noc_api.inventory import Inventory, load_inventory
from noc_api.inventory.sync import SyncResult, sync_inventory
from noc_api.maintenance import work as maintenance_work
from noc_api.maintenance.plans import load_plans
from noc_api.notices.bridge import NoticeBridge
from noc_api.notices.service import Area, fan_out_due
from noc_api.notify.delivery import Delivery
from noc_api.notify.metrics import NotifyMetrics, OutboxCollector
from noc_api.notify.notifiers import Message, notifiers_from_settings
from noc_api.notify.retry import RetryPolicy
from noc_api.reports.mail import send_scheduled_reports
from noc_api.settings import Settings
from noc_api.status.board import StatusBoard, inputs_from
from noc_api.system.metrics import NocMetrics
from noc_api.system.scheduler import JobScheduler
from noc_api.tickets.alert_tickets import AlertTicketBridge
from noc_api.tickets.bridge import TicketBridge
from noc_api.tickets.policy import TicketPolicy

MAINTENANCE_SYNC_SECONDS = 5.0  # a ticket started through the complaint API gets its windows this soon
JOB_CONNECTIONS = 8  # beside one per request thread: the scheduler's jobs, the lease, the health sweep


@dataclass
class Runtime:
    """What a running server holds; built by ``build``, owned by the app."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # MIS reports and the public service-delivery pages read here: the read replica when one is configured
    # (CCIS_READ_DATABASE_URL), else the primary's sessions.
    read_sessions: sessionmaker[Session]
    read_engine: Engine | None
    inventory: Inventory
    last_sync: SyncResult
    topology: Topology
    device_sites: dict[str, str]  # device id -> site id
    device_kinds: dict[str, str]  # device id -> kind
    metrics: NocMetrics
    state_cache: StateCache
    series_ids: SeriesIds  # the ingest's series ids, learned from the database (one cache per process)
    desk: ComplaintDesk
    maintenance: maintenance_work.Maintenance  # the plans of maintenance.yaml and what working them needs
    alerting: AlertingListener
    routing: RoutingFile  # alert_rules/routing.yaml, reloaded when it changes
    rules_status: RulesStatus  # what /healthz says of the rule files, read again when they change
    migration_heads: frozenset[str]  # the schema this code expects (what /healthz compares the database with)
    delivery: Delivery  # the outbox's one delivery job
    listeners: list[HealthListener]  # called after each health evaluation, inside its transaction
    health: HealthSweeper
    scheduler: JobScheduler
    login_guard: LoginGuard  # login throttling and the bound on concurrent password checks
    public_guard: PublicGuard  # rate limits of the public complaint endpoints
    notice_area: Area  # the towns and wards area notices may name
    status_board: StatusBoard  # the public status document, served from memory


def build(settings: Settings, *, migrate: bool = True, sync: bool = True) -> Runtime:
    """Validate the inventory, migrate and sync the database, and build the runtime around them.

    Raises InventoryError before touching the database when the inventory or its maintenance plans are broken.
    API workers started by `ccis serve --workers N` pass ``migrate=False, sync=False``: the parent did both once
    before forking them.
    """
    inventory = load_inventory(settings.inventory)
    plans = load_plans(settings.inventory, inventory)
    engine = make_engine(settings.database_url, connections=settings.request_threads + JOB_CONNECTIONS)
    if migrate:
        upgrade(engine)
    sessions = make_session_factory(engine)
    read_engine = make_read_engine(settings.read_database_url) if settings.read_database_url else None
    synced = SyncResult()
    if sync:
        with sessions.begin() as session:
            synced = sync_inventory(session, inventory)

    topology = topology_from_inventory(inventory)
    metrics = NocMetrics()
    desk = ComplaintDesk(settings, inventory.city.code, inventory.city.name, inventory.city.timezone)
    device_kinds = {d.id: d.kind.value for _, d in inventory.devices()}
    alerting = AlertingListener.from_dir(settings.alert_rules)
    area = Area(wards={t.id: tuple(t.wards) for t in inventory.towns}, names={t.id: t.name for t in inventory.towns})
    board_inputs = inputs_from(inventory, topology)
    notice_bridge = NoticeBridge(
        {c.id: c for c in board_inputs.channels}, area, inventory.city.timezone
    )  # its on_change is wired to the scheduler below
    listeners: list[HealthListener] = [
        alerting,
        TicketBridge(desk, device_kinds, TicketPolicy.from_settings(settings)),
        AlertTicketBridge(desk),  # after alerting: tickets for the alerts this evaluation fired
        notice_bridge,  # channel-down notices for the public, in the same transaction as the outage
    ]
    health = HealthSweeper(
        topology=topology,
        sessions=sessions,
        grace_seconds=settings.grace_heartbeats * settings.heartbeat_seconds,
        hold_down_seconds=settings.hold_down_seconds,
        listeners=listeners,
        on_listener_error=lambda name: metrics.listener_failures.labels(name).inc(),
        max_share=settings.health_max_share,
        on_skip=metrics.sweeps_skipped.inc,
    )
    scheduler = JobScheduler(engine, metrics, lease_seconds=settings.leader_lease_seconds)
    routing = RoutingFile.in_dir(settings.alert_rules)
    delivery = make_delivery(settings, sessions, routing, NotifyMetrics(metrics.registry))
    rt = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        read_sessions=make_session_factory(read_engine) if read_engine is not None else sessions,
        read_engine=read_engine,
        inventory=inventory,
        last_sync=synced,
        topology=topology,
        device_sites={d.id: s.id for s, d in inventory.devices()},
        device_kinds=device_kinds,
        metrics=metrics,
        state_cache=StateCache(),
        series_ids=SeriesIds(),
        desk=desk,
        maintenance=maintenance_work.Maintenance(plans, inventory, desk),
        alerting=alerting,
        routing=routing,
        rules_status=RulesStatus(settings.alert_rules),
        migration_heads=code_heads(settings.database_url),
        delivery=delivery,
        listeners=listeners,
        health=health,
        scheduler=scheduler,
        login_guard=LoginGuard(per_address=settings.login_per_address, per_user=settings.login_per_user),
        public_guard=PublicGuard(per_address=settings.public_per_address),
        notice_area=area,
        status_board=StatusBoard(sessions, board_inputs, max_age=settings.status_interval_seconds),
    )
    rt.status_board.wake = lambda: scheduler.run_soon("status_board")
    notice_bridge.on_change = rt.status_board.changed
    metrics.registry.register(NocStateCollector(sessions, topology))
    metrics.registry.register(AlertCollector(sessions))
    metrics.registry.register(OutboxCollector(sessions))
    _register_jobs(rt)
    return rt


def _register_jobs(rt: Runtime) -> None:
    """Every background job, run by the scheduler in the process holding the leader lease."""
    s, sched = rt.settings, rt.scheduler
    sched.on_leadership.append(lambda leading: rt.health.reset())
    sched.add_job("health_sweep", lambda now: rt.health.paced(now), s.health_interval_seconds)
    sched.add_job("rollup", lambda now: rollup(rt.engine, now), s.rollup_interval_seconds)
    sched.add_job(
        "retention", lambda now: retention(rt.engine, now, s.raw_retention_days), s.retention_interval_seconds
    )
    ack_link = partial(alert_notices.ack_url, s)
    sched.add_job(
        "alert_notices",
        _in_tx(rt, lambda session, now: alert_notices.queue_notices(session, rt.routing, ack_link, now)),
        s.notify_interval_seconds,
    )
    # Every message of every source; each delivery commits on its own, so a slow peer never holds the database.
    sched.add_job("notifications", rt.delivery.run, s.notify_interval_seconds)
    sched.add_job(
        "sla_escalation",
        _in_tx(rt, lambda session, now: run_sla_escalation(session, now, rt.desk.config)),
        s.sla_interval_seconds,
    )
    if s.preventive_maintenance:
        # Each period's maintenance tickets: at start-up (when this process wins the lease), then hourly.
        sched.add_job(
            "maintenance_schedule",
            lambda now: maintenance_work.schedule_job(rt.sessions, rt.maintenance, now),
            3600,
        )
        sched.on_leadership.append(lambda leading: sched.run_soon("maintenance_schedule") if leading else None)
    sched.add_job(
        "maintenance_windows",
        _in_tx(rt, lambda session, now: maintenance_work.sync_windows(session, rt.maintenance, now)),
        MAINTENANCE_SYNC_SECONDS,
    )
    # The public status board: rebuilt on its interval and soon after a channel changes (the notice bridge).
    sched.add_job("status_board", rt.status_board.rebuild, s.status_interval_seconds)
    sched.on_leadership.append(lambda leading: sched.run_soon("status_board") if leading else None)
    # Notices published ahead are sent to their subscribers when they start.
    sched.add_job("notice_fanout", _in_tx(rt, fan_out_due), s.notify_interval_seconds)
    sched.add_job(
        "report_mail",
        _in_tx(rt, lambda session, now: send_scheduled_reports(session, s, rt.inventory, rt.topology, now)),
        s.report_mail_interval_seconds,
    )


def make_delivery(
    settings: Settings, sessions: sessionmaker[Session], routing: RoutingFile, metrics: NotifyMetrics | None
) -> Delivery:
    """The outbox's delivery job: a notifier per medium from settings (email, SMS, webhook, the WhatsApp and chatbot
    lines); alert notices retry by the routing file's
    numbers, every other message by the CCIS_NOTIFY_RETRY_* settings."""
    standard = RetryPolicy(
        base=settings.notify_retry_base_seconds,
        cap=settings.notify_retry_cap_seconds,
        max_attempts=settings.notify_max_attempts,
    )

    def policy(message: Message) -> RetryPolicy:
        return (
            alert_notices.retry_policy(routing, message.reason) if message.source == alert_notices.SOURCE else standard
        )

    notifiers = {**notifiers_from_settings(settings), **chat_notifiers(settings)}
    return Delivery(sessions, notifiers, policy, metrics)


def _in_tx(rt: Runtime, job: Callable[[Session, datetime], object]) -> Callable[[datetime], None]:
    """A scheduler job that runs ``job(session, now)`` in its own committed transaction."""

    def run(now: datetime) -> None:
        with rt.sessions.begin() as session:
            job(session, now)

    return run
