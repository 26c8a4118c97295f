"""A prometheus-client custom Collector: alert counts by state and severity, notifications by status."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from noc_api.alerting.models import Notification
from noc_api.alerting.rules import Severity
from noc_api.alerting.service import counts

STATES = ("pending", "firing", "resolved")


class AlertCollector:
    """Reads the counts at scrape time through ``sessions`` (a session factory), so it holds no state."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions

    def describe(self) -> Iterable[Metric]:
        """The families without samples, so registering the collector does not query the database."""
        yield GaugeMetricFamily("ccis_alerts", "Alerts by lifecycle state and severity", labels=["state", "severity"])
        yield GaugeMetricFamily("ccis_notifications", "Notifications by delivery status", labels=["status"])

    def collect(self) -> Iterable[Metric]:
        """Yield ccis_alerts{state,severity} and ccis_notifications{status}."""
        alerts = GaugeMetricFamily(
            "ccis_alerts", "Alerts by lifecycle state and severity", labels=["state", "severity"]
        )
        notes = GaugeMetricFamily("ccis_notifications", "Notifications by delivery status", labels=["status"])
        with self.sessions() as session:
            found = {(s, sev): n for s, sev, n in counts(session)}
            by_status = dict(
                session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all()
            )
        for state in STATES:  # every combination, zeros included, so dashboards see the series exist
            for sev in Severity:
                alerts.add_metric([state, sev.value], float(found.get((state, sev.value), 0)))
        for status in ("pending", "sent", "failed"):
            notes.add_metric([status], float(by_status.get(status, 0)))
        yield alerts
        yield notes
