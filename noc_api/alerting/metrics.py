"""A prometheus-client custom Collector: alert counts by state and severity (messages: ``noc_api.notify.metrics``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.orm import Session

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

    def collect(self) -> Iterable[Metric]:
        """Yield ccis_alerts{state,severity}."""
        alerts = GaugeMetricFamily(
            "ccis_alerts", "Alerts by lifecycle state and severity", labels=["state", "severity"]
        )
        with self.sessions() as session:
            found = {(s, sev): n for s, sev, n in counts(session)}
        for state in STATES:  # every combination, zeros included, so dashboards see the series exist
            for sev in Severity:
                alerts.add_metric([state, sev.value], float(found.get((state, sev.value), 0)))
        yield alerts
