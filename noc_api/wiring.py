"""The composition root of the server's background work beyond the NOC's own: alerting, complaint jobs,
outage tickets and scheduled reports. Called once per runtime, after the NOC is installed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from noc_api.alerting.cycle import run_notification_job
from noc_api.alerting.listener import AlertingListener
from noc_api.alerting.metrics import AlertCollector
from noc_api.services.complaint_delivery import deliver_due
from noc_api.services.complaints import run_sla_escalation
from noc_api.services.report_mail import send_scheduled_reports
from noc_api.tickets.bridge import TicketBridge
from noc_api.tickets.planned import schedule_preventive
from noc_api.tickets.policy import TicketPolicy

if TYPE_CHECKING:
    from noc_api.runtime import Runtime


def install_services(runtime: Runtime) -> None:
    """Register the health listeners (alerts first, then tickets) and the jobs of the other packages."""
    s = runtime.settings
    runtime.alerting = AlertingListener.from_dir(s.alert_rules)
    runtime.listeners.append(runtime.alerting)
    runtime.listeners.append(TicketBridge(runtime, TicketPolicy.from_settings(s)))
    runtime.metrics.registry.register(AlertCollector(runtime.sessions))
    sched = runtime.scheduler
    # Each alert delivery commits on its own, so a slow mail server never holds the database.
    sched.add_job(
        "alert_notifications",
        lambda now: run_notification_job(runtime.sessions, lambda: now, s),
        s.notify_interval_seconds,
    )
    sched.add_job(
        "complaint_notifications",
        _in_tx(runtime, lambda session, now: deliver_due(session, s, now)),
        s.notify_interval_seconds,
    )
    sched.add_job(
        "sla_escalation",
        _in_tx(runtime, lambda session, now: run_sla_escalation(session, now, s)),
        s.sla_interval_seconds,
    )
    if s.preventive_maintenance:
        sched.add_job(
            "preventive_maintenance",
            _in_tx(runtime, lambda session, now: schedule_preventive(session, runtime, now)),
            3600,
        )
    sched.add_job(
        "report_mail",
        _in_tx(runtime, lambda session, now: send_scheduled_reports(session, runtime, now)),
        s.report_mail_interval_seconds,
    )


def _in_tx(runtime: Runtime, job):  # noqa: ANN001, ANN202
    """A scheduler job that runs ``job(session, now)`` in its own committed transaction."""

    def run(now: datetime) -> None:
        with runtime.sessions.begin() as session:
            job(session, now)

    return run
