"""/metrics of the outbox: one counter family for every message, and the queue depth read at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.orm import Session

from complaint_core.services.outbox import SOURCES, pending_counts

MEDIA = ("email", "sms", "webhook", "whatsapp", "chatbot")
# Per attempt: "sent" and "failed" (given up) end a message, so their sum counts finished messages; "retry" is a
# failed attempt that will be tried again.
OUTCOMES = ("sent", "retry", "failed")


class NotifyMetrics:
    """``ccis_notifications_total{source,medium,outcome}``, counted by the delivery job of this process."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "ccis_notifications",
            "Delivery attempts of outbox messages by source, medium and outcome (sent, retry, failed = given up)",
            ["source", "medium", "outcome"],
            registry=registry,
        )
        for source in SOURCES:  # every series exists from the start, at zero, so rate() and alerts see it
            for medium in MEDIA:
                for outcome in OUTCOMES:
                    self.attempts.labels(source, medium, outcome)

    def count(self, source: str, medium: str, outcome: str) -> None:
        """Count one attempt's outcome."""
        self.attempts.labels(source, medium, outcome).inc()


class OutboxCollector:
    """``ccis_notifications_pending{source,medium}``: messages waiting for delivery (or a retry), from the table."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions

    def describe(self) -> Iterable[Metric]:
        """The family without samples, so registering the collector does not query the database."""
        yield self._family()

    def collect(self) -> Iterable[Metric]:
        """Pending messages per source and medium, zeros included."""
        with self.sessions() as session:
            found = pending_counts(session)
        family = self._family()
        for source in sorted(set(SOURCES) | {s for s, _ in found}):
            for medium in sorted(set(MEDIA) | {m for _, m in found}):
                family.add_metric([source, medium], float(found.get((source, medium), 0)))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "ccis_notifications_pending", "Outbox messages waiting for delivery or a retry", labels=["source", "medium"]
        )
